"""Rules of member status changes (F8-F10): seal, unseal, transfer in, merge. Pure functions.

A row of any of the three rosters is checked by one function of its kind, for a row a clerk adds
and for every row of an uploaded file alike, and again when its batch is applied (the member may
have changed since): `check_<kind>(row, member, context)` → the problem (code, column, message)
or None. `member` is the account as it is now (a plain row), `context` what the rule needs of the
rest of the centre (looked up in bulk by the caller).
"""
import re
from dataclasses import dataclass, field
from datetime import date

from services.accounts.rules import AGE_MESSAGE, NORMAL, STATUSES, OpeningLimits, age_allowed, text_ok
from shared.errors import COUNTER_ONLY, BusinessError
from shared.identity import IdentityError, parse_resident_id
from shared.money import MoneyError, money_str, to_money
from shared.months import HPF_YEAR_FIRST_MONTH
from shared.text import normalize_text

SEALED, MERGED = "02", "03"
SEAL, UNSEAL, TRANSFER = "seal", "unseal", "transfer"
KIND_NAMES = {SEAL: "封存", UNSEAL: "启封", TRANSFER: "转入", "merge": "合并", "annual": "年度基数核定"}
NUMBER_PREFIX = {SEAL: "FC", UNSEAL: "QF", TRANSFER: "ZR", "merge": "HB"}

COLUMNS = {"account_no": "个人账号", "name": "姓名", "id_number": "证件号码", "reason": "原因", "base": "缴存基数",
           "from_account": "转出账号", "to_account": "转入账号"}


@dataclass(frozen=True)
class Problem:
    code: str
    column: str      # the API field
    message: str


@dataclass
class Context:
    unit_account: str
    reasons: tuple
    today: date
    july_blocked: bool = False                 # seal: the annual verification is still owed
    limits: OpeningLimits = None               # unseal: base bounds and ages as of today
    sealed_here_this_month: set = field(default_factory=set)  # unseal: account nos
    normal_ids: dict = field(default_factory=dict)            # unseal: id number → (its normal account, employer)
    on_open_verification: set = field(default_factory=set)    # transfer: account nos


def july_blocks_sealing(today, annual_pending):
    """F9.1: in July, while that year's annual verification is owed and not done."""
    return today.month == HPF_YEAR_FIRST_MONTH and annual_pending


def clean_reason(value, reasons):
    reason = str(value or "").strip()
    if not reason:
        return None, Problem("VALIDATION_ERROR", "reason", "请选择原因")
    if reason not in reasons:
        return None, Problem("VALIDATION_ERROR", "reason", f"原因须为以下之一：{'、'.join(reasons)}")
    return reason, None


ACCOUNT_NO = re.compile(r"[0-9]{1,20}")  # 个人账号 (full-width digits made ASCII first)


def clean_account_no(value):
    text = normalize_text(value or "")  # full-width digits as the clerk means them
    if not text:
        return None, Problem("VALIDATION_ERROR", "account_no", "必填项不能为空")
    if not ACCOUNT_NO.fullmatch(text):
        return None, Problem("VALIDATION_ERROR", "account_no", "个人账号格式不正确")
    return text, None


def clean_id_number(value):
    try:
        if not str(value or "").strip():
            raise IdentityError("必填项不能为空")
        return parse_resident_id(value), None
    except IdentityError as exc:
        return None, Problem("VALIDATION_ERROR", "id_number", str(exc))


def clean_name(value):
    name = str(value or "").strip()
    if not name:
        return None, Problem("VALIDATION_ERROR", "name", "必填项不能为空")
    if not text_ok("name", name):
        return None, Problem("VALIDATION_ERROR", "name", "姓名格式不正确")
    return name, None


def _status(code):
    return STATUSES.get(code, code)


def _at_employer(member, context):
    if member is None or member.unit_account != context.unit_account:
        return Problem("NOT_FOUND", "account_no", "本单位没有该个人账号")
    return None


def _name_matches(row, member):
    if row.get("name") and row["name"] != member.name:
        return Problem("NAME_MISMATCH", "name", "姓名与个人账号登记的姓名不符")
    return None


def check_seal(row, member, context):
    problem = _at_employer(member, context) or _name_matches(row, member)
    if problem:
        return problem
    if member.status != NORMAL:
        return Problem("MEMBER_NOT_NORMAL", "account_no",
                       f"该职工账户状态为{_status(member.status)}，只有正常状态的账户可以封存")
    if context.july_blocked:
        return Problem("ANNUAL_VERIFICATION_REQUIRED", "account_no",
                       f"{context.today.year}年7月须先完成{context.today.year}年度缴存基数核定（变更业务—年度核定）后方可办理封存")
    return None


def check_unseal(row, member, context):
    problem = _at_employer(member, context) or _name_matches(row, member)
    if problem:
        return problem
    if member.status != SEALED:
        return Problem("MEMBER_NOT_SEALED", "account_no",
                       f"该职工账户状态为{_status(member.status)}，只有封存状态的账户可以启封")
    person = parse_resident_id(member.id_number)
    if not age_allowed(person, context.limits):
        return Problem("AGE_OUT_OF_RANGE", "account_no", AGE_MESSAGE)
    if member.account_no in context.sealed_here_this_month:
        return Problem("SEALED_THIS_MONTH", "account_no", f"本月在本单位封存的账户当月不能在网上启封，{COUNTER_ONLY}")
    other_account, other_unit = context.normal_ids.get(member.id_number, (None, None))
    if other_account and other_account != member.account_no:
        return Problem("NORMAL_ACCOUNT_EXISTS", "account_no",
                       NORMAL_HERE.format(other_account) if other_unit == context.unit_account else NORMAL_ELSEWHERE)
    try:
        base = to_money(row.get("base"))
    except MoneyError as exc:
        return Problem("VALIDATION_ERROR", "base", "必填项不能为空" if not str(row.get("base") or "").strip() else str(exc))
    limits = context.limits
    if not limits.base_floor <= base <= limits.base_cap:
        return Problem("VALIDATION_ERROR", "base",
                       f"缴存基数须在{money_str(limits.base_floor)}至{money_str(limits.base_cap)}元之间")
    row["base"] = base
    return None


NORMAL_ELSEWHERE = "该职工在本中心其他单位已有正常状态的个人账户，一人只能有一个正常账户；请由该单位先办理封存"
NORMAL_HERE = ("该职工在本单位已有正常状态的个人账户（{}），一人只能有一个正常账户；"
               "如需归集此账户余额，请办理个人账户合并")
NORMAL_JUST_NOW = "该职工刚有另一个账户成为正常状态，一人只能有一个正常账户；请刷新后查看该职工的账户"


def check_transfer(row, member, context):
    """`member`: the sealed account chosen for the row (see `choose_transfer_account`)."""
    if member.unit_account == context.unit_account:
        return Problem("ALREADY_HERE", "account_no", "该账户已在本单位，无需转入")
    if member.id_number != row["id_number"]:
        return Problem("NOT_FOUND", "account_no", "该个人账号不属于此证件号码")
    if member.name != row["name"]:
        return Problem("NAME_MISMATCH", "name", "姓名与证件号码登记的姓名不符")
    if member.status != SEALED:
        return Problem("MEMBER_NOT_SEALED", "account_no",
                       f"该职工在原单位的账户状态为{_status(member.status)}，须由原单位先办理封存后方可转入")
    if member.account_no in context.on_open_verification:
        return Problem("ON_OPEN_VERIFICATION", "account_no",
                       "该职工在原单位有尚未入账的核定（待缴款或入账中），入账或撤销后方可转入")
    return None


def choose_transfer_account(row, accounts, unit_account):
    """The person's account a transfer row moves: of `accounts` (all of the ID number, any
    status), the sealed ones at other employers; `row["account_no"]` picks one of several."""
    elsewhere = [a for a in accounts if a.unit_account != unit_account and a.status != MERGED]
    if not elsewhere:
        return None, Problem("NO_SEALED_ACCOUNT", "id_number", "未找到该职工在本中心其他单位的个人账户")
    normal = [a for a in elsewhere if a.status == NORMAL]
    sealed = [a for a in elsewhere if a.status == SEALED]
    wanted = row.get("account_no")
    if wanted:
        chosen = next((a for a in elsewhere if a.account_no == wanted), None)
        if chosen is None:
            return None, Problem("NOT_FOUND", "account_no", "该个人账号不属于此证件号码")
        return chosen, None
    if not sealed:
        return normal[0], None  # check_transfer says why it cannot move
    if len(sealed) > 1:
        listed = "、".join(a.account_no for a in sealed)
        return None, Problem("CHOICE_REQUIRED", "account_no", f"该职工有多个封存账户（{listed}），请选择要转入的个人账号")
    return sealed[0], None


def check_merge(from_member, to_member, unit_account, on_open_verification):
    """F8.1 → the problem or None. Both accounts of this employer, the same person, in-account 正常."""
    for member, column in ((from_member, "from_account"), (to_member, "to_account")):
        if member is None or member.unit_account != unit_account:
            return Problem("NOT_FOUND", column, "本单位没有该个人账号")
    if from_member.account_no == to_member.account_no:
        return Problem("VALIDATION_ERROR", "to_account", "转出账户与转入账户不能相同")
    if from_member.id_number != to_member.id_number:
        return Problem("NOT_SAME_PERSON", "to_account", "两个账户不属于同一职工（证件号码不同），不能合并")
    if to_member.status != NORMAL:
        return Problem("MEMBER_NOT_NORMAL", "to_account",
                       f"转入账户状态为{_status(to_member.status)}，须为正常状态")
    if from_member.status == MERGED:
        return Problem("ACCOUNT_CLOSED", "from_account", "转出账户已合并销户，不能再使用")
    if from_member.account_no in on_open_verification:
        return Problem("ON_OPEN_VERIFICATION", "from_account",
                       "转出账户在尚未入账的核定中（待缴款或入账中），入账或撤销后方可合并")
    return None


CONFLICTS = {"MEMBER_NOT_NORMAL", "MEMBER_NOT_SEALED", "SEALED_THIS_MONTH", "NORMAL_ACCOUNT_EXISTS",
             "ON_OPEN_VERIFICATION", "ANNUAL_VERIFICATION_REQUIRED", "ALREADY_HERE", "ACCOUNT_CLOSED",
             "MEMBER_AMBIGUOUS", "CHOICE_REQUIRED", "IN_ROSTER"}


def problem_error(problem):
    """A problem of a single request as the business error the API answers."""
    status = 404 if problem.code == "NOT_FOUND" else 409 if problem.code in CONFLICTS else 400
    return BusinessError(problem.code, problem.message,
                         [{"field": problem.column, "label": COLUMNS.get(problem.column, ""),
                           "message": problem.message}], status=status)



def resolve_row(kind, values, members, unit_account):
    """An uploaded or typed row → (clean values, its member now, problem). `members`: for seal and
    unseal {account_no: member}, for transfer {id_number: [members]}."""
    clean = {"row_no": values.get("row_no")}
    if kind == TRANSFER:
        name, problem = clean_name(values.get("name"))
        if problem:
            return clean, None, problem
        person, problem = clean_id_number(values.get("id_number"))
        if problem:
            return clean, None, problem
        wanted = str(values.get("account_no") or "").strip()
        if wanted:
            wanted, problem = clean_account_no(wanted)
            if problem:
                return clean, None, problem
        clean.update(name=name, id_number=person.number, account_no=wanted or None)
        member, problem = choose_transfer_account(clean, members.get(person.number, ()), unit_account)
        if problem:
            return clean, None, problem
        clean.update(account_no=member.account_no, from_unit=member.unit_account)
        return clean, member, None
    account_no, problem = clean_account_no(values.get("account_no"))
    if problem:
        return clean, None, problem
    member = members.get(account_no)
    clean.update(account_no=account_no, name=str(values.get("name") or "").strip(),
                 id_number=member.id_number if member else "")
    if kind == UNSEAL:
        clean["base"] = values.get("base")
    return clean, member, None


CHECKS = {SEAL: check_seal, UNSEAL: check_unseal, TRANSFER: check_transfer}


def check_resolved(kind, clean, member, context):
    """The kind's rule for a resolved row; the row's name becomes the account's when it matches."""
    problem = CHECKS[kind](clean, member, context)
    if not problem and member is not None:
        clean["name"] = member.name
    return problem
