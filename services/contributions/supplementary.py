"""Supplementary contributions (补缴, F13, MONEY.md): the rules of a roster row, and its storage.

A row is {member, month, amount, reason}. The month belongs to the current HPF year (an earlier
one → counter) and is not after 缴至月份; for the member and month, what is remitted, plus what is
supplementary and posted or awaiting payment, plus this roster's rows, stays within the year's
monthly cap; the amount is split by the month's rates, the employer part rounded by the policy,
the employee part the rest."""
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.exc import IntegrityError

from services.contributions.models import SupplementaryDraft, Verification, VerificationRow
from services.contributions.rules import month_text, monthly_cap
from shared.errors import COUNTER_ONLY, BusinessError, field_error
from shared.money import MoneyError, money_str, round_money, to_money
from shared.months import MonthError, hpf_year_of_month, parse_month
from shared.text import has_hidden, normalize_text
from shared.xlsx import FORMULA_STARTS

COUNTED = ("awaiting", "posting", "posted")   # what already takes room under the cap
REASON_MAX = 50


def clean_month(value, current_month, paid_up_to):
    month = normalize_text(value or "")
    try:
        parse_month(month)
    except MonthError as exc:
        raise field_error("VALIDATION_ERROR", "month", str(exc)) from None
    year, current = hpf_year_of_month(month), hpf_year_of_month(current_month)
    if year < current:
        raise field_error("SUPPLEMENTARY_MONTH", "month",
                      f"{month_text(month)}属于{year}公积金年度，往年度的补缴{COUNTER_ONLY}")
    if not paid_up_to or month > paid_up_to:
        paid = month_text(paid_up_to) if paid_up_to else "尚无"
        raise field_error("SUPPLEMENTARY_MONTH", "month", f"补缴月份不能晚于缴至月份（{paid}）")
    return month


def clean_amount(value):
    try:
        amount = to_money(value)
    except (MoneyError, TypeError):
        raise field_error("VALIDATION_ERROR", "amount", "补缴金额格式不正确，最多保留2位小数") from None
    if amount <= 0:
        raise field_error("VALIDATION_ERROR", "amount", "补缴金额须大于零")
    return amount


def clean_reason(value):
    reason = normalize_text(value or "")
    if not reason:
        raise field_error("VALIDATION_ERROR", "reason", "请填写补缴原因")
    if len(reason) > REASON_MAX or has_hidden(reason) or reason.startswith(FORMULA_STARTS):
        raise field_error("VALIDATION_ERROR", "reason", f"补缴原因不超过{REASON_MAX}个字，且不能含特殊字符")
    return reason


def check_cap(amount, cap, taken, month):
    """`taken`: the member's month so far (remitted, supplementary, this roster's other rows)."""
    room = cap - taken
    if amount > room:
        raise field_error("OVER_MONTHLY_CAP", "amount",
                      f"{month_text(month)}该职工已缴及待缴{money_str(taken)}元，月缴存额上限{money_str(cap)}元，"
                      f"本次最多可补缴{money_str(max(room, Decimal(0)))}元")


def split(amount, employer_rate, employee_rate, policy):
    """(employer part, employee part) of a supplementary amount by the month's rates."""
    employer_rate, employee_rate = Decimal(employer_rate), Decimal(employee_rate)
    employer = round_money(amount * employer_rate / (employer_rate + employee_rate),
                           policy["rounding_unit"], policy["rounding_mode"])
    return employer, amount - employer


def cap_of(policy):
    return monthly_cap(policy)


# ---------- storage ----------

def now():
    return datetime.now(timezone.utc)


def taken(session, pairs, unit_account, exclude_draft=None):
    """{(account_no, month): amount already counted} for these pairs: rows of verifications awaiting
    payment, posting or posted (any employer: the cap is the person's), plus this employer's roster."""
    found = {}
    pairs = sorted(set(pairs))
    for i in range(0, len(pairs), 1000):
        chunk = pairs[i:i + 1000]
        rows = session.execute(
            select(VerificationRow.account_no, VerificationRow.month,
                   func.sum(VerificationRow.employer_amount + VerificationRow.employee_amount))
            .join(Verification, Verification.id == VerificationRow.verification_id)
            .where(Verification.status.in_(COUNTED),
                   tuple_(VerificationRow.account_no, VerificationRow.month).in_(chunk))
            .group_by(VerificationRow.account_no, VerificationRow.month))
        for account_no, month, amount in rows:
            found[(account_no, month)] = found.get((account_no, month), Decimal(0)) + amount
        drafts = select(SupplementaryDraft.account_no, SupplementaryDraft.month, func.sum(SupplementaryDraft.amount)) \
            .where(SupplementaryDraft.unit_account == unit_account,
                   tuple_(SupplementaryDraft.account_no, SupplementaryDraft.month).in_(chunk))
        if exclude_draft is not None:
            drafts = drafts.where(SupplementaryDraft.id != exclude_draft)
        for account_no, month, amount in session.execute(
                drafts.group_by(SupplementaryDraft.account_no, SupplementaryDraft.month)):
            found[(account_no, month)] = found.get((account_no, month), Decimal(0)) + amount
    return found


def drafts_page(session, unit_account, page, page_size):
    where = SupplementaryDraft.unit_account == unit_account
    total, amount = session.execute(select(func.count(), func.coalesce(func.sum(SupplementaryDraft.amount), 0))
                                    .where(where)).one()
    items = session.scalars(select(SupplementaryDraft).where(where).order_by(SupplementaryDraft.id)
                            .offset((page - 1) * page_size).limit(page_size)).all()
    return {"total": total, "amount": Decimal(amount), "page": page, "page_size": page_size, "items": items}


def draft(session, unit_account, draft_id, lock=False):
    query = select(SupplementaryDraft).where(SupplementaryDraft.unit_account == unit_account,
                                             SupplementaryDraft.id == draft_id)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def clear(session, unit_account):
    return session.execute(delete(SupplementaryDraft).where(SupplementaryDraft.unit_account == unit_account)).rowcount


def take_roster(session, unit_account):
    """The whole roster, locked (a concurrent submit waits, then finds it empty), and deleted."""
    drafts = session.scalars(select(SupplementaryDraft).where(SupplementaryDraft.unit_account == unit_account)
                             .order_by(SupplementaryDraft.account_no, SupplementaryDraft.month)
                             .with_for_update()).all()
    rows = [{key: getattr(d, key) for key in ("id", "account_no", "name", "id_number", "month", "amount")}
            for d in drafts]
    if rows:
        session.execute(delete(SupplementaryDraft).where(SupplementaryDraft.id.in_([row["id"] for row in rows])))
    return rows


def roster_pairs(session, unit_account, exclude_draft=None):
    query = select(SupplementaryDraft.account_no, SupplementaryDraft.month).where(
        SupplementaryDraft.unit_account == unit_account)
    if exclude_draft is not None:
        query = query.where(SupplementaryDraft.id != exclude_draft)
    return set(session.execute(query).all())


def add_drafts(session, unit_account, rows):
    created = now()
    drafts = [SupplementaryDraft(**row, unit_account=unit_account, created_at=created) for row in rows]
    session.add_all(drafts)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise BusinessError("IN_ROSTER", "该职工该月份已同时加入补缴清册，请刷新后重试", status=409) from None
    return drafts


def import_errors(failures, headers):
    """Failures of an upload as rows of the import answer and its error file."""
    errors = []
    for row_no, values, failure in failures:
        original = {headers[key]: values.get(key, "") for key in headers}
        if isinstance(failure, BusinessError):
            field = failure.details[0]["field"] if failure.details else ""
            found = [{"row": row_no, "column": headers.get(field, ""), "message": failure.message}]
        else:
            found = failure
        errors += [{"row": p["row"], "column": p["column"], "message": p["message"], "original": original}
                   for p in found]
    return errors
