"""The annual base verification (年度缴存基数核定, F11, MONEY.md): its rules, and its storage.

For HPF year Y (July Y – June Y+1), once, only when June Y is posted, years in a row from the first
one the employer owes: the members remitted normally up to June Y (on the posted June Y remittance
and 正常 at the employer now) get new bases within year Y's bounds; a member the clerk does not list
keeps his base if the centre allows it (`CONTRIBUTIONS.annual_keeps_unlisted_bases`) and that base
is within the bounds. The rates may change too, within the year's range, from July Y."""
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import delete, func, select

from services.contributions.models import AnnualDraft, AnnualRow, AnnualVerification, Verification, VerificationRow
from services.contributions.rules import REMITTANCE, first_owed_year, month_text
from shared.errors import COUNTER_ONLY, BusinessError, conflict, field_error
from shared.identity import mask_id
from shared.money import MoneyError, money_str, to_money
from shared.text import normalize_text

APPLYING, DONE = "applying", "done"
STATUS_NAMES = {APPLYING: "办理中", DONE: "已核定"}
SHOWN = 10   # members named in a refusal; the details list them all


def annual_no(day, record_id):
    """核定号 of an annual verification: ND, the business date, the record's id."""
    return f"ND{day:%Y%m%d}{record_id:05d}"


# ---------- rules ----------

def check_year(year, *, first_month, paid_up_to, done):
    """Refusals for doing year Y now; `done`: {year: status} of the employer's annual verifications."""
    first = first_owed_year(first_month)
    if year < first:
        raise BusinessError("ANNUAL_NOT_OWED", f"本单位首次汇缴月份为{month_text(first_month)}，无需办理{year}年度"
                            f"缴存基数核定，首个应办理的是{first}年度")
    if year in done:
        if done[year] == APPLYING:
            raise conflict("ANNUAL_APPLYING", f"{year}年度缴存基数核定正在办理中，请在办理进度中查看")
        raise conflict("ANNUAL_DONE", f"{year}年度缴存基数核定已办理，每个年度只能办理一次")
    missing = next((y for y in range(first, year) if y not in done), None)
    if missing is not None:
        raise BusinessError("ANNUAL_NOT_CONSECUTIVE", f"年度核定须逐年办理，请先办理{missing}年度缴存基数核定")
    june = f"{year}06"
    if not paid_up_to or paid_up_to < june:
        paid = month_text(paid_up_to) if paid_up_to else "尚未汇缴"
        raise BusinessError("JUNE_NOT_POSTED", f"{year}年6月汇缴入账后方可办理{year}年度缴存基数核定"
                            f"（本单位缴至月份：{paid}）")
    if paid_up_to > june:
        raise BusinessError("ANNUAL_AT_COUNTER", f"本单位已汇缴至{month_text(paid_up_to)}，{year}年度缴存基数核定"
                            f"{COUNTER_ONLY}")


def due_year(first_month, done):
    """The year the employer should verify next (the earliest owed and not done), or None."""
    if not first_month:
        return None
    year = first_owed_year(first_month)
    while year in done and done[year] == DONE:
        year += 1
    return year


def clean_base(value, policy):
    try:
        base = to_money(normalize_text(value or ""))
    except (MoneyError, TypeError):
        raise field_error("VALIDATION_ERROR", "new_base", "新缴存基数格式不正确，最多保留2位小数") from None
    if not policy["base_floor"] <= base <= policy["base_cap"]:
        raise field_error("BASE_OUT_OF_BOUNDS", "new_base",
                      f"新缴存基数须在{policy['year']}年度上下限{money_str(policy['base_floor'])}至"
                      f"{money_str(policy['base_cap'])}元之间")
    return base


def check_member(values, member):
    """A row of the file against the member it names on the annual roster ((name, id_number, base))."""
    if member is None:
        raise field_error("NOT_ON_ANNUAL_ROSTER", "account_no",
                      "该个人账号不在本单位本年度核定名单内（须为6月正常汇缴且目前正常缴存的职工）")
    name, id_number = normalize_text(values.get("name") or ""), normalize_text(values.get("id_number") or "")
    if id_number and id_number.upper() != member[1]:
        raise field_error("ID_MISMATCH", "id_number", "证件号码与个人账号不符")
    if name and name != member[0]:
        raise field_error("NAME_MISMATCH", "name", "姓名与个人账号不符")


def _named(members):
    shown = "、".join(f"{name}（{account_no}）" for account_no, name, *_ in members[:SHOWN])
    return shown + (f"等{len(members)}人" if len(members) > SHOWN else "")


def check_roster_now(listed, roster):
    """Members listed who are no longer on the annual roster (sealed or moved since): refused by name."""
    gone = [(d["account_no"], d["name"]) for d in listed if d["account_no"] not in roster]
    if gone:
        raise BusinessError("NOT_ON_ANNUAL_ROSTER",
                            f"以下职工已不在本单位正常缴存名单中：{_named(gone)}，请清空清册后重新下载模板填写",
                            [{"field": a, "message": f"{n} 已不在正常缴存名单中"} for a, n in gone])


def check_unlisted(unlisted, keep, policy):
    """Members of the annual roster not in the clerk's list, (account_no, name, id_number, base):
    refused by name unless the centre lets them keep their bases, which must then be within bounds."""
    if not unlisted:
        return
    if not keep:
        raise BusinessError("UNLISTED_MEMBERS",
                            f"以下职工未列入年度核定清册：{_named(unlisted)}，本中心规定年度核定须包括全部职工，"
                            "请补充后再提交", [{"field": m[0], "message": f"{m[1]} 未列入清册"} for m in unlisted])
    low, high = policy["base_floor"], policy["base_cap"]
    outside = [m for m in unlisted if not low <= Decimal(m[3]) <= high]
    if outside:
        raise BusinessError(
            "BASE_OUT_OF_BOUNDS",
            f"以下未列入清册的职工原缴存基数不在{policy['year']}年度上下限（{money_str(low)}至{money_str(high)}）"
            f"之内：{_named(outside)}，请在清册中为其填写新基数",
            [{"field": m[0], "message": f"{m[1]} 缴存基数{m[3]}"} for m in outside])


def check_new_rates(employer_rate, employee_rate, policy):
    low, high = policy["rate_min"], policy["rate_max"]
    details = [{"field": name, "message": f"缴存比例须在{policy['year']}年度规定的{low}至{high}之间"}
               for name, rate in (("employer_rate", employer_rate), ("employee_rate", employee_rate))
               if not low <= rate <= high]
    if details:
        raise BusinessError("RATE_OUT_OF_RANGE", "调整后的缴存比例超出本年度政策允许范围", details)


# ---------- storage ----------

def now():
    return datetime.now(timezone.utc)


def june_members(session, unit_account, year):
    """Account numbers on the employer's posted June Y remittance."""
    return set(session.scalars(
        select(VerificationRow.account_no).join(Verification, Verification.id == VerificationRow.verification_id)
        .where(Verification.unit_account == unit_account, Verification.kind == REMITTANCE,
               Verification.month == f"{year}06", Verification.status == "posted")))


def years(session, unit_account):
    """{year: status} of the employer's annual verifications."""
    return dict(session.execute(select(AnnualVerification.year, AnnualVerification.status)
                                .where(AnnualVerification.unit_account == unit_account)).all())


def annual(session, unit_account, year, lock=False):
    query = select(AnnualVerification).where(AnnualVerification.unit_account == unit_account,
                                             AnnualVerification.year == int(year))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def annuals(session, unit_account, start=None, end=None):
    query = select(AnnualVerification).where(AnnualVerification.unit_account == unit_account)
    if start:
        query = query.where(AnnualVerification.business_date >= start)
    if end:
        query = query.where(AnnualVerification.business_date <= end)
    return session.scalars(query.order_by(AnnualVerification.year.desc())).all()


def applying_before(session, before):
    return session.scalars(select(AnnualVerification).where(AnnualVerification.status == APPLYING,
                                                            AnnualVerification.submitted_at < before)).all()


def rows_of(session, annual_id):
    return session.execute(select(AnnualRow.account_no, AnnualRow.name, AnnualRow.id_number, AnnualRow.old_base,
                                  AnnualRow.new_base, AnnualRow.listed)
                           .where(AnnualRow.annual_id == annual_id).order_by(AnnualRow.account_no)).all()


def listed_accounts(session, unit_account, year):
    return set(session.scalars(select(AnnualDraft.account_no).where(AnnualDraft.unit_account == unit_account,
                                                                    AnnualDraft.year == int(year))))


def drafts_page(session, unit_account, year, page, page_size):
    where = (AnnualDraft.unit_account == unit_account, AnnualDraft.year == int(year))
    total, changed = session.execute(select(func.count(), func.count().filter(
        AnnualDraft.new_base != AnnualDraft.old_base)).where(*where)).one()
    items = session.scalars(select(AnnualDraft).where(*where).order_by(AnnualDraft.id)
                            .offset((page - 1) * page_size).limit(page_size)).all()
    return {"total": total, "changed": changed, "page": page, "page_size": page_size, "items": items}


def draft(session, unit_account, year, draft_id, lock=False):
    query = select(AnnualDraft).where(AnnualDraft.unit_account == unit_account, AnnualDraft.year == int(year),
                                      AnnualDraft.id == draft_id)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def clear(session, unit_account, year):
    return session.execute(delete(AnnualDraft).where(AnnualDraft.unit_account == unit_account,
                                                     AnnualDraft.year == int(year))).rowcount


def take_drafts(session, unit_account, year):
    """The whole list, locked (a concurrent submit waits, then finds it empty), and deleted."""
    drafts = session.scalars(select(AnnualDraft).where(AnnualDraft.unit_account == unit_account,
                                                       AnnualDraft.year == int(year))
                             .order_by(AnnualDraft.account_no).with_for_update()).all()
    rows = [{key: getattr(d, key) for key in ("account_no", "name", "id_number", "old_base", "new_base")}
            for d in drafts]
    if drafts:
        session.execute(delete(AnnualDraft).where(AnnualDraft.id.in_([d.id for d in drafts])))
    return rows


def add_drafts(session, unit_account, year, rows):
    created = now()
    session.add_all(AnnualDraft(**row, unit_account=unit_account, year=int(year), created_at=created)
                    for row in rows)
    session.flush()


def add_annual(session, values, rows, day):
    record = AnnualVerification(**values, business_date=day, submitted_at=now(), status=APPLYING)
    session.add(record)
    session.flush()
    record.annual_no = annual_no(day, record.id)
    if rows:
        session.execute(AnnualRow.__table__.insert(), [{**row, "annual_id": record.id} for row in rows])
    session.flush()
    return record


def roster_lines(rows):
    """The annual roster as lines of its file and voucher: masked IDs, bases before and after."""
    return [[n, account_no, name, mask_id(id_number), money_str(old), money_str(new),
             "是" if new != old else "否", "清册" if listed else "保留原基数"]
            for n, (account_no, name, id_number, old, new, listed) in enumerate(rows, 1)]
