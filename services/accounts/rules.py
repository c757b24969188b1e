"""Rules of member accounts: pure functions, no I/O."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from services.accounts.templates import HEADERS
from shared.errors import COUNTER_ONLY, BusinessError, validation_error
from shared.identity import IdentityError, age_on, parse_mobile, parse_resident_id
from shared.ledger import BUSINESS_TYPES
from shared.money import MoneyError, money_str, to_money
from shared.months import MonthError, parse_month
from shared.xlsx import FORMULA_STARTS

NORMAL = "01"
STATUSES = {"01": "正常", "02": "封存", "03": "合并销户", "06": "冻结"}
ID_TYPES = {"01": "居民身份证"}

DUPLICATE_ACCOUNT = "该职工在本单位已有正常状态的个人账户，不能重复开户"
NORMAL_ELSEWHERE = ("该职工在本中心其他单位已有正常状态的个人账户，一人只能有一个正常账户；"
                    "请由原单位办理封存后，在本单位办理内部转移转入")
AGE_MESSAGE = "职工年龄超出网上办理范围，请至中心柜台办理"
OTHER_ID_MESSAGE = "使用非居民身份证件开户的，" + COUNTER_ONLY
LOCKED_FIELDS = {"name": "姓名", "id_number": "证件号码", "id_type": "证件类型"}
EDITABLE_FIELDS = {"household": "户籍", "address": "家庭住址", "mobile": "手机号码", "phone": "固定电话"}
TEXT_LIMITS = {"name": 50, "household": 100, "address": 200, "phone": 20}


@dataclass(frozen=True)
class OpeningLimits:
    """What a batch is checked against: the year's base bounds and the centre's age limits."""
    base_floor: Decimal
    base_cap: Decimal
    min_age: int
    max_age_male: int
    max_age_female: int
    on: date

    @classmethod
    def of(cls, policy, ages, on):
        return cls(Decimal(policy["base_floor"]), Decimal(policy["base_cap"]), int(ages["min_age"]),
                   int(ages["max_age_male"]), int(ages["max_age_female"]), on)


def age_allowed(person, limits):
    age = age_on(person.birth_date, limits.on)
    high = limits.max_age_male if person.is_male else limits.max_age_female
    return limits.min_age <= age <= high


def check_opening(values, limits):
    """One roster row → (clean row, problems). Problems are [(column header, message)]."""
    clean, problems, _, _ = _check_opening(values, limits)
    return clean, problems


def text_ok(key, text):
    """Within the field's length, and nothing a spreadsheet would run as a formula when exported."""
    return len(text) <= TEXT_LIMITS[key] and not text.startswith(FORMULA_STARTS)


def check_member(values, limits):
    """check_opening for a row about to be opened, with the person its ID number describes."""
    clean, problems, _, person = _check_opening(values, limits)
    return clean, problems, person


def _check_opening(values, limits):
    """check_opening, whether the age is out of range (a case for the counter), and the person."""
    problems, clean = [], {}
    name = str(values.get("name") or "").strip()
    if not name:
        problems.append(("name", "必填项不能为空"))
    elif not text_ok("name", name):
        problems.append(("name", "姓名格式不正确"))
    clean["name"] = name

    person = None
    try:
        if not str(values.get("id_number") or "").strip():
            raise IdentityError("必填项不能为空")
        person = parse_resident_id(values.get("id_number"))
        clean["id_number"] = person.number
    except IdentityError as exc:
        message = str(exc)
        if "18位" in message:
            message += "；" + OTHER_ID_MESSAGE
        problems.append(("id_number", message))
    age_out = person is not None and not age_allowed(person, limits)
    if age_out:
        problems.append(("id_number", AGE_MESSAGE))

    try:
        base = to_money(values.get("base"))
        if not limits.base_floor <= base <= limits.base_cap:
            problems.append(("base", f"缴存基数须在{money_str(limits.base_floor)}至"
                                     f"{money_str(limits.base_cap)}元之间"))
        clean["base"] = base
    except MoneyError as exc:
        problems.append(("base", "必填项不能为空" if not str(values.get("base") or "").strip() else str(exc)))

    try:
        clean["mobile"] = parse_mobile(values.get("mobile"))
    except IdentityError as exc:
        problems.append(("mobile", str(exc)))

    for key in ("household", "address", "phone"):
        text = str(values.get(key) or "").strip()
        if not text_ok(key, text):
            problems.append((key, f"{HEADERS[key]}格式不正确"))
        clean[key] = text
    return clean, [(HEADERS[key], message) for key, message in problems], age_out, person


def check_draft(values, limits):
    """A row the clerk types into the roster → its clean values, or the error with every problem."""
    clean, problems, age_out, _ = _check_opening(values, limits)
    if problems:
        raise draft_error(problems, age_out)
    return clean


FIELD_OF = {header: key for key, header in HEADERS.items()}


def draft_error(problems, age_out=False):
    """AGE_OUT_OF_RANGE when the age sends the clerk to the counter, else VALIDATION_ERROR."""
    # the field as the API names it, for the form to place the message; the Chinese label beside it
    details = [{"field": FIELD_OF.get(column, column), "label": column, "message": message}
               for column, message in problems]
    if age_out:
        return BusinessError("AGE_OUT_OF_RANGE", AGE_MESSAGE, details)
    return BusinessError("VALIDATION_ERROR", "开户信息有误", details)


def check_rows(rows, limits, roster, taken, limit=None, unit_account=None):
    """Up to `limit` rows of an upload (all of them by default), checked (runs in a thread): (good, errors, more).

    `rows` are (row no., values, problems of the file's cells); `roster` gains the good rows' ID
    numbers; `taken`: {ID number: employer} of normal accounts known before (see `refuse_taken`)."""
    good, errors = [], []
    for row_no, values, problems in rows:
        clean, found = check_opening(values, limits)
        seen = {problem["column"] for problem in problems}  # a bad cell is reported once
        problems = problems + [{"row": row_no, "column": column, "message": message}
                               for column, message in found if column not in seen]
        if not problems:
            duplicate = check_unique(clean["id_number"], roster, taken, unit_account)
            if duplicate:
                problems = [{"row": row_no, "column": duplicate[0], "message": duplicate[1]}]
        if problems:
            original = {HEADERS[key]: values.get(key, "") for key in HEADERS}
            original.update({p["column"]: p["value"] for p in problems if "value" in p})
            errors.extend({"row": p["row"], "column": p["column"], "message": p["message"], "original": original}
                          for p in problems)
        else:
            roster.add(clean["id_number"])
            good.append({**clean, "row_no": row_no})
        if limit is not None and len(good) + len(errors) >= limit:
            return good, errors, True
    return good, errors, False


def check_unique(id_number, roster_ids, normal_units, unit_account=None):
    """The problem, if any, of opening this ID: already in the roster, or a normal account anywhere
    in the centre (`normal_units`: {ID number: employer of that account})."""
    if id_number in normal_units:
        return HEADERS["id_number"], DUPLICATE_ACCOUNT if normal_units[id_number] == unit_account else NORMAL_ELSEWHERE
    if id_number in roster_ids:
        return HEADERS["id_number"], "该证件号码在待开户清册中已存在"
    return None


def refuse_taken(good, errors, normal_units, unit_account):
    """Good rows of an upload whose person holds a normal account (looked up once the file is read)
    become error rows; errors stay in row order."""
    kept = []
    for row in good:
        problem = check_unique(row["id_number"], (), normal_units, unit_account)
        if problem:
            errors.append({"row": row["row_no"], "column": problem[0], "message": problem[1],
                           "original": {HEADERS[key]: _text(row[key]) for key in HEADERS}})
        else:
            kept.append(row)
    errors.sort(key=lambda error: error["row"] or 0)
    return kept, errors


def _text(value):
    return "" if value is None else str(value)


def refuse_counter_only(data):
    """Name, ID number and ID type change only at the counter: a request naming any is refused whole."""
    locked = [key for key in LOCKED_FIELDS if isinstance(data, dict) and key in data]
    if locked:
        labels = "、".join(LOCKED_FIELDS[key] for key in locked)
        raise BusinessError("COUNTER_ONLY", f"{labels}的修改{COUNTER_ONLY}",
                            [{"field": key, "message": COUNTER_ONLY} for key in locked])


def check_change(changes, member):
    """Fields of a member info change (F5.1) → [{field, label, old, new}] of real changes; the same
    text rules as at opening."""
    bad = [{"field": key, "message": f"{EDITABLE_FIELDS[key]}格式不正确"}
           for key in TEXT_LIMITS if key in changes and key in EDITABLE_FIELDS and not text_ok(key, changes[key])]
    if bad:
        raise validation_error(bad)
    items = []
    for key, label in EDITABLE_FIELDS.items():
        if key in changes and changes[key] != getattr(member, key):
            items.append({"field": key, "label": label, "old": getattr(member, key), "new": changes[key]})
    return items


def business_number(kind, day, record_id):
    """业务编号: KH (opening batch) or XG (info change), the business date, the record's id."""
    return f"{kind}{day:%Y%m%d}{record_id:06d}"


def account_no_for(prefix, sequence):
    """个人账号: the centre's prefix, 9 for a member account, and a zero-padded sequence."""
    return f"{prefix}9{sequence:09d}"


def status_counts(counts):
    """Headcount by status, all four always listed."""
    return {"total": sum(counts.values()),
            "by_status": [{"code": code, "name": name, "count": counts.get(code, 0)}
                          for code, name in STATUSES.items()]}


# ---------- member ledger and posting (F4.1, MONEY.md) ----------

# Business types of a member ledger row (national data standard; 合并 for F8 is 07 here).
LEDGER_TYPES = BUSINESS_TYPES  # a member's ledger holds every type
REMITTANCE, SUPPLEMENTARY = "01", "02"
CONTRIBUTION_TYPES = (REMITTANCE, SUPPLEMENTARY)


class PostingRow(NamedTuple):
    """One member row of a verification, as contributions hands it over; `amount` is both parts."""
    row_id: int
    account_no: str
    month: str
    employer_amount: Decimal
    employee_amount: Decimal
    amount: Decimal


def posting_rows(raw):
    """A page of `verification_rows` ([row_id, account_no, month, employer, employee], …) → PostingRow,
    ordered by row id. Anything that is not such a row breaks the contract: BAD_POSTING_ROWS."""
    rows, parts, months = [], {}, set()
    try:
        for row_id, account_no, month, employer_amount, employee_amount in raw:
            if month not in months:
                parse_month(month)
                months.add(month)
            pair = (employer_amount, employee_amount)
            if pair not in parts:  # a verification's amounts repeat (bases and rates do): parsed once
                employer, employee = to_money(employer_amount), to_money(employee_amount)
                parts[pair] = employer, employee, employer + employee
            rows.append(PostingRow(int(row_id), str(account_no), str(month), *parts[pair]))
    except (TypeError, ValueError, MonthError, MoneyError) as exc:
        raise BusinessError("BAD_POSTING_ROWS", f"核定明细格式不正确：{exc}") from None
    return sorted(rows, key=lambda row: row.row_id)


def ledger_summary(kind, month):
    """摘要 of a contribution row: the month paid for and the business, e.g. "2026年12月汇缴"."""
    return f"{month[:4]}年{month[4:]}月{LEDGER_TYPES[kind]}"


def post_page(rows, members, posted, unit_account, kind):
    """Ledger rows and new balances for one page of a verification.

    `members`: {account_no: (unit_account, balance)} as locked; `posted`: the (account_no, month)
    already in the ledger under this verification (skipped: exactly once). Each balance grows
    row by row in row order, so `balance_after` follows the locked balance. A row for an account
    that is not this employer's refuses the whole page: nobody else's member is ever credited.
    → ([{account_no, month, amount, employer_amount, employee_amount, balance_after, summary}],
       {account_no: new balance})"""
    foreign = sorted({row.account_no for row in rows
                      if row.account_no not in members or members[row.account_no][0] != unit_account})
    if foreign:
        raise BusinessError("NOT_EMPLOYER_MEMBERS", f"核定明细中的个人账号不属于单位{unit_account}",
                            [{"field": "account_no", "message": account_no} for account_no in foreign])
    balances, entries, seen, summaries = {}, [], set(posted), {}
    for _, account_no, month, employer_amount, employee_amount, amount in rows:
        if (account_no, month) in seen:
            continue
        seen.add((account_no, month))
        balance = balances.get(account_no, members[account_no][1]) + amount
        balances[account_no] = balance
        if month not in summaries:
            summaries[month] = ledger_summary(kind, month)
        entries.append({"account_no": account_no, "month": month, "amount": amount,
                        "employer_amount": employer_amount, "employee_amount": employee_amount,
                        "balance_after": balance, "summary": summaries[month]})
    return entries, balances


def posting_complete(written, total_rows):
    """Whether every row of a verification is in the ledger; more than it has breaks the contract."""
    if written > total_rows:
        raise BusinessError("POSTING_OVERCOUNT", f"入账明细{written}条，多于核定的{total_rows}条")
    return written == total_rows
