"""Contribution rules: pure functions, no I/O."""
import re
from datetime import date
from decimal import Decimal

from shared.errors import BusinessError, conflict, validation_error
from shared.ledger import BUSINESS_TYPES
from shared.money import ROUNDING_MODES, ROUNDING_UNITS, MoneyError, money_str, round_money, to_money
from shared.months import HPF_YEAR_FIRST_MONTH, MonthError, hpf_year_of_month, next_month, parse_month

POLICY_MONEY = ("base_floor", "base_cap")
POLICY_RATES = ("rate_min", "rate_max", "interest_rate")
DAY_BASES = ("actual", "360")


def parse_policy(seed):
    """A policy entry (configuration or `set_policy`), checked: amounts and rates as Decimal."""
    policy = {"year": int(seed["year"]),
              "rounding_unit": seed["rounding_unit"], "rounding_mode": seed["rounding_mode"],
              "day_basis": str(seed.get("day_basis") or "actual")}
    for key in POLICY_MONEY + POLICY_RATES:
        policy[key] = Decimal(str(seed[key]))
    if policy["rounding_unit"] not in ROUNDING_UNITS or policy["rounding_mode"] not in ROUNDING_MODES:
        raise ValueError(f"policy {policy['year']}: unknown rounding {policy['rounding_unit']}/{policy['rounding_mode']}")
    if not 0 < policy["base_floor"] <= policy["base_cap"]:
        raise ValueError(f"policy {policy['year']}: base floor must be positive and below the cap")
    if not 0 < policy["rate_min"] <= policy["rate_max"] < 1:
        raise ValueError(f"policy {policy['year']}: rates must satisfy 0 < min <= max < 1")
    if not 0 <= policy["interest_rate"] < 1:
        raise ValueError(f"policy {policy['year']}: interest rate must satisfy 0 <= rate < 1")
    if policy["day_basis"] not in DAY_BASES:
        raise ValueError(f"policy {policy['year']}: day basis must be actual or 360")
    return policy


def monthly_amount(base, employer_rate, employee_rate, policy):
    """月缴存额: each part rounded separately by the policy's unit and mode."""
    unit, mode = policy["rounding_unit"], policy["rounding_mode"]
    employer_part = round_money(Decimal(base) * Decimal(employer_rate), unit, mode)
    employee_part = round_money(Decimal(base) * Decimal(employee_rate), unit, mode)
    return employer_part, employee_part, employer_part + employee_part


def monthly_cap(policy):
    """月缴存额上限 = cap base × (max employer rate + max employee rate), each part rounded on its own
    as a member's parts are, so a member at the cap base and rates is exactly at the cap."""
    part = round_money(policy["base_cap"] * policy["rate_max"], policy["rounding_unit"], policy["rounding_mode"])
    return part + part


# ---------- names ----------

REMITTANCE, SUPPLEMENTARY = "01", "02"
KIND_NAMES = {REMITTANCE: "汇缴", SUPPLEMENTARY: "补缴"}
KIND_PREFIX = {REMITTANCE: "HJ", SUPPLEMENTARY: "BJ"}
PAYMENT_KINDS = {"remittance": REMITTANCE, "supplementary": SUPPLEMENTARY}

SAVED, AWAITING, POSTING, POSTED, DISCARDED, CANCELLED = (
    "saved", "awaiting", "posting", "posted", "discarded", "cancelled")
STATUS_NAMES = {SAVED: "已保存", AWAITING: "待缴款", POSTING: "入账中", POSTED: "已入账",
                DISCARDED: "已作废", CANCELLED: "已撤销"}

OTHER = "99"
# the employer's ledger: all but 合并, which moves money between two accounts of one member
LEDGER_TYPES = {code: name for code, name in BUSINESS_TYPES.items() if code != "07"}
POSTED_BOOK, SUSPENSE_BOOK = "posted", "suspense"
BOOK_NAMES = {POSTED_BOOK: "缴存入账", SUSPENSE_BOOK: "暂存款"}
HELD, APPLIED, REFUNDED = "held", "applied", "refunded"
SUSPENSE_STATUS_NAMES = {HELD: "暂存中", APPLIED: "已转入核定", REFUNDED: "已退回"}


def verification_no(kind, day, record_id):
    """核定号 (also the payment reference): HJ or BJ, the save date, the record's id."""
    return f"{KIND_PREFIX[kind]}{day:%Y%m%d}{record_id:05d}"


# ---------- months (F12.1) ----------

def verification_title(verification):
    """2026年11月汇缴, or 补缴 (a supplementary covers rows of several months)."""
    if verification.kind == REMITTANCE:
        return f"{month_text(verification.month)}{KIND_NAMES[REMITTANCE]}"
    return KIND_NAMES[verification.kind]


def month_text(month):
    year, mon = parse_month(month)
    return f"{year}年{mon}月"


def checked_month(value, field="month"):
    try:
        parse_month(value)
    except MonthError as exc:
        raise validation_error([{"field": field, "message": str(exc)}]) from None
    return str(value).strip()


def next_remittance_month(paid_up_to, first_month):
    """The month after 缴至月份, or the first remittance month for an employer that never remitted."""
    return next_month(paid_up_to) if paid_up_to else first_month


def first_owed_year(first_month):
    """The first HPF year whose annual base verification the employer owes: the first that begins
    after its first remittance month (one whose first month is July Y owes none for Y)."""
    return hpf_year_of_month(first_month) + 1


def annual_verification_owed(month, first_month):
    """Is `month` a July whose HPF year needs the annual verification first? Only when the employer
    remitted before that July (its first month is earlier), as the annual one covers those members."""
    _, mon = parse_month(month)
    return mon == HPF_YEAR_FIRST_MONTH and hpf_year_of_month(month) >= first_owed_year(first_month)


def check_remittance_month(month, *, expected, current_month, open_no, first_month,
                           annual_done=False):
    """Refusals of F12.1 for the month asked, in the order a clerk should fix them."""
    if open_no:
        raise conflict("OPEN_REMITTANCE", f"已有未完成的汇缴核定{open_no}，请先提交缴款、作废或撤销后再核定")
    if month > current_month:
        raise BusinessError("MONTH_IN_FUTURE", f"不能核定当前月份（{month_text(current_month)}）之后的月份")
    if month != expected:
        raise BusinessError("MONTH_NOT_CONTINUOUS",
                            f"汇缴月份须连续，本单位应汇缴的月份为{month_text(expected)}",
                            [{"field": "month", "message": f"应为{expected}"}])
    if annual_verification_owed(month, first_month) and not annual_done:
        year = hpf_year_of_month(month)
        raise BusinessError("ANNUAL_VERIFICATION_REQUIRED",
                            f"{month_text(month)}汇缴须先办理{year}年度缴存基数核定（变更业务—年度核定）")


# ---------- rates by month ----------

def rates_in_force(periods, month):
    """(employer rate, employee rate) of the period in force in `month`: the latest that began by then.
    `periods` are (from_month, employer_rate, employee_rate)."""
    periods = sorted(periods)
    if not periods:
        raise BusinessError("RATES_MISSING", "本单位缴存比例尚未登记，请联系中心")
    chosen = periods[0]
    for period in periods:
        if period[0] <= month:
            chosen = period
    return chosen[1], chosen[2]


def check_rates_in_range(employer_rate, employee_rate, policy):
    """The rates in force in a month must lie in that month's HPF year's range: a later year may
    narrow it, and the employer's rates were checked only against the year they were set in."""
    low, high = Decimal(policy["rate_min"]), Decimal(policy["rate_max"])
    if not (low <= Decimal(employer_rate) <= high and low <= Decimal(employee_rate) <= high):
        raise BusinessError("RATES_OUT_OF_RANGE",
                            f"本单位缴存比例（单位{employer_rate}、个人{employee_rate}）不在{policy['year']}年度"
                            f"规定的{policy['rate_min']}至{policy['rate_max']}之间，请联系中心调整后再核定")


def rate_change_month(paid_up_to, first_month):
    """From which month a counter change of rates takes effect: the first month not yet posted
    when the change is made (the month after 缴至月份, or the first month). Months already
    posted keep what was paid; a verification already saved keeps its fixed roster."""
    return next_remittance_month(paid_up_to, first_month)


# ---------- the roster ----------

def out_of_bounds(members, policy):
    """Members (account_no, name, id_number, base) whose base lies outside the year's bounds."""
    low, high = policy["base_floor"], policy["base_cap"]
    return [m for m in members if not low <= Decimal(m[3]) <= high]


def refuse_bases(members, policy):
    if not members:
        return
    shown = "、".join(f"{m[1]}（{m[0]}）" for m in members[:10])
    more = f"等{len(members)}人" if len(members) > 10 else ""
    raise BusinessError(
        "BASE_OUT_OF_BOUNDS",
        f"以下职工的缴存基数不在{policy['year']}年度上下限（{money_str(policy['base_floor'])}至"
        f"{money_str(policy['base_cap'])}）之内：{shown}{more}，请先办理基数调整",
        [{"field": m[0], "message": f"{m[1]} 缴存基数{m[3]}"} for m in members])


def roster_rows(members, month, employer_rate, employee_rate, policy):
    """Rows of a monthly remittance and the totals: each part rounded on its own. The parts depend on
    the base alone (one month, one pair of rates), so each distinct base is worked out once."""
    rows, employer_total, employee_total, parts = [], Decimal("0.00"), Decimal("0.00"), {}
    unit, mode = policy["rounding_unit"], policy["rounding_mode"]
    for account_no, name, id_number, base in members:
        if base not in parts:
            exact = Decimal(base)
            parts[base] = (exact, round_money(exact * employer_rate, unit, mode),
                           round_money(exact * employee_rate, unit, mode))
        exact, employer_part, employee_part = parts[base]
        employer_total += employer_part
        employee_total += employee_part
        rows.append({"account_no": account_no, "name": name, "id_number": id_number, "month": month,
                     "base": exact, "employer_amount": employer_part, "employee_amount": employee_part})
    return rows, employer_total, employee_total


def changes_since(previous, accounts, amount):
    """Headcount and amount against the last posted month: members added and removed, amount up/down.
    `previous` is None or (month, headcount, amount, account_nos)."""
    if previous is None:
        return {"previous_month": None, "previous_headcount": 0, "previous_amount": "0.00",
                "added": len(accounts), "removed": 0,
                "amount_up": money_str(amount), "amount_down": "0.00"}
    month, headcount, previous_amount, previous_accounts = previous
    now, before = set(accounts), set(previous_accounts)
    delta = Decimal(amount) - Decimal(previous_amount)
    return {"previous_month": month, "previous_headcount": headcount,
            "previous_amount": money_str(previous_amount),
            "added": len(now - before), "removed": len(before - now),
            "amount_up": money_str(max(delta, Decimal(0))), "amount_down": money_str(max(-delta, Decimal(0)))}


# ---------- states ----------

def check_discard(verification):
    if verification.status != SAVED:
        raise conflict("NOT_DISCARDABLE", f"该核定{STATUS_NAMES[verification.status]}，只有已保存的核定可以作废"
                       + ("；待缴款的核定请在取消核定中撤销" if verification.status == AWAITING else ""))


def check_submit(verification):
    if verification.status != SAVED:
        raise conflict("NOT_SUBMITTABLE", f"该核定{STATUS_NAMES[verification.status]}，不能再次提交")


def check_cancel(verification):
    if verification.status in (POSTING, POSTED):
        raise conflict("ALREADY_POSTED", "该核定已缴款入账，不能撤销")
    if verification.status != AWAITING:
        raise conflict("NOT_CANCELLABLE", f"该核定{STATUS_NAMES[verification.status]}，只有待缴款的核定可以撤销"
                       + ("；已保存的核定请直接作废" if verification.status == SAVED else ""))


# ---------- bank receipts (B1) ----------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EARLIEST_VALUE_DATE = date(1990, 1, 1)  # before the hall's first HPF year: a typo, never a bank's date


def item_ids(items):
    """Suspense item ids as given by the centre: a list of whole numbers (or their ASCII digits)."""
    refused = validation_error([{"field": "items", "message": "暂存款明细编号应为整数列表"}])
    if not isinstance(items, list):
        raise refused
    ids = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)) or not re.fullmatch(r"[0-9]{1,10}", str(item)):
            raise refused
        ids.append(int(item))
    return ids


def _iso_date(value):
    """A YYYY-MM-DD date in ASCII digits, or None (fromisoformat alone takes 20261130 and 2026W011)."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        return date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
    except ValueError:
        return None


def receipt_input(data, today):
    """The notice as the centre's bank sent it, checked: amount > 0 with at most two places, a value
    date not after today. Anything wrong is a typed error and nothing is stored."""
    details = []
    bank_ref = str(data.get("bank_ref") or "").strip()
    unit_account = str(data.get("unit_account") or "").strip()
    reference = str(data.get("reference") or "").strip() or None
    if not bank_ref or len(bank_ref) > 64:
        details.append({"field": "bank_ref", "message": "银行流水号不能为空且不超过64位"})
    if not unit_account or len(unit_account) > 20:
        details.append({"field": "unit_account", "message": "单位账号不能为空"})
    if reference and len(reference) > 64:
        details.append({"field": "reference", "message": "附言（核定号）过长"})
    amount = None
    raw = data.get("amount")
    try:
        amount = to_money(raw) if not isinstance(raw, float) else None
        if amount is None:
            details.append({"field": "amount", "message": "金额应以字符串表示"})
        elif amount <= 0:
            details.append({"field": "amount", "message": "到账金额须大于零"})
    except MoneyError as exc:
        details.append({"field": "amount", "message": str(exc)})
    value_date = data.get("value_date") or today
    if not isinstance(value_date, date):
        value_date = _iso_date(value_date)
        if value_date is None:
            details.append({"field": "value_date", "message": "日期格式应为YYYY-MM-DD"})
    if value_date is not None and value_date > today:
        details.append({"field": "value_date", "message": "到账日期不能晚于今天"})
    elif value_date is not None and value_date < EARLIEST_VALUE_DATE:
        details.append({"field": "value_date", "message": "到账日期超出允许范围"})
    if details:
        raise validation_error(details, "到账通知内容有误，未作处理")
    return {"bank_ref": bank_ref, "unit_account": unit_account, "amount": amount,
            "value_date": value_date, "reference": reference}


def receipt_match(amount, reference, verification):
    """None when the notice pays the verification exactly, else the reason it goes to suspense."""
    if not reference:
        return "未填写核定号"
    if verification is None:
        return f"核定号{reference}不存在或不属于本单位"
    if verification.status != AWAITING:
        return f"核定{reference}{STATUS_NAMES[verification.status]}"
    if amount < verification.amount:
        return f"金额不足：应缴{money_str(verification.amount)}元，实到{money_str(amount)}元"
    if amount > verification.amount:
        return f"金额超出：应缴{money_str(verification.amount)}元，实到{money_str(amount)}元"
    return None


def same_notice(receipt, notice):
    """A notice again (same bank reference) is the same one only with the same employer and amount."""
    return receipt.unit_account == notice["unit_account"] and Decimal(receipt.amount) == notice["amount"]


def check_items(items, ids, unit_account):
    """Suspense items named by the centre: all of this employer's, each still held, none twice."""
    if not ids:
        raise validation_error([{"field": "items", "message": "请指定暂存款明细"}])
    if len(set(ids)) != len(ids):
        raise validation_error([{"field": "items", "message": "暂存款明细不能重复"}])
    found = {item.id: item for item in items if item.unit_account == unit_account}
    missing = [i for i in ids if i not in found]
    if missing:
        raise BusinessError("NOT_FOUND", "以下暂存款明细不存在或不属于该单位：" + "、".join(map(str, missing)),
                            status=404)
    resolved = [i for i in ids if found[i].status != HELD]
    if resolved:
        raise conflict("SUSPENSE_RESOLVED", "以下暂存款明细已处理：" + "、".join(
            f"{i}（{SUSPENSE_STATUS_NAMES[found[i].status]}）" for i in resolved))
    return [found[i] for i in ids]


def check_apply(items, verification):
    if verification is None:
        raise BusinessError("NOT_FOUND", "核定不存在或不属于该单位", status=404)
    if verification.status != AWAITING:
        raise conflict("NOT_AWAITING", f"该核定{STATUS_NAMES[verification.status]}，只能转入待缴款的核定")
    total = sum((Decimal(item.amount) for item in items), Decimal("0.00"))
    if total != verification.amount:
        raise conflict("AMOUNT_MISMATCH", f"所选暂存款合计{money_str(total)}元，与核定应缴{money_str(verification.amount)}"
                       "元不符，须完全相等")
    return total


def suspense_prompt(held):
    if Decimal(held) > 0:
        return f"您单位有{money_str(held)}元到账资金尚未入账（汇补缴不符暂存款），请联系中心核实处理"
    return None
