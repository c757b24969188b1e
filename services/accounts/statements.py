"""Annual statement of member accounts (年度个人对账, F4.3): for an ended HPF year, each account's
balance carried over at 1 July, the year's movements by kind, and the closing balance at 30 June,
read from the ledger by value date in one grouped query."""
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from services.accounts import store
from services.accounts.interest import year_bounds
from services.accounts.rules import STATUSES

MEMBERS, LEDGER = store.MEMBERS, store.LEDGER
# column: (business type, sign of the amount or None for both)
MOVEMENTS = {
    "remitted": ("01", None), "supplementary": ("02", None),
    "transfer_in": ("06", 1), "transfer_out": ("06", -1),
    "merge_in": ("07", 1), "merge_out": ("07", -1),
    "interest": ("09", None),
}
HEADERS = {"account_no": "个人账号", "name": "姓名", "id_number": "证件号码", "status_name": "账户状态",
           "carried": "上年结转余额", "remitted": "汇缴", "supplementary": "补缴", "transfer_in": "转入",
           "transfer_out": "转出", "merge_in": "合并转入", "merge_out": "合并转出", "interest": "年度利息",
           "other": "其他", "closing": "年末余额"}


def statement(session, unit_account, year, name=None, id_number=None):
    """One line per member account of the employer (or those of one person), by account no.:
    closing = carried + every movement of the year (`other` holds any type not listed)."""
    start, end = year_bounds(year)
    in_year = and_(LEDGER.c.value_date >= start, LEDGER.c.value_date <= end)
    zero = Decimal("0")

    def total(condition):
        return func.coalesce(func.sum(case((condition, LEDGER.c.amount), else_=0)), 0)
    columns = {"carried": total(LEDGER.c.value_date < start), "closing": total(LEDGER.c.value_date <= end)}
    for key, (kind, sign) in MOVEMENTS.items():
        condition = and_(in_year, LEDGER.c.type == kind)
        if sign:
            condition = and_(condition, LEDGER.c.amount > 0 if sign > 0 else LEDGER.c.amount < 0)
        columns[key] = total(condition)
    query = (select(MEMBERS.c.account_no, MEMBERS.c.name, MEMBERS.c.id_number, MEMBERS.c.status,
                    *(column.label(key) for key, column in columns.items()))
             .select_from(MEMBERS.outerjoin(LEDGER, LEDGER.c.account_no == MEMBERS.c.account_no))
             .where(MEMBERS.c.unit_account == unit_account)
             .group_by(MEMBERS.c.account_no, MEMBERS.c.name, MEMBERS.c.id_number, MEMBERS.c.status)
             .order_by(MEMBERS.c.account_no))
    if name:
        query = query.where(MEMBERS.c.name == name)
    if id_number:
        query = query.where(MEMBERS.c.id_number == id_number)
    lines = []
    for row in session.execute(query):
        line = {key: Decimal(getattr(row, key)).quantize(Decimal("0.01")) for key in columns}
        line["other"] = line["closing"] - line["carried"] - sum((line[key] for key in MOVEMENTS), zero)
        lines.append({"account_no": row.account_no, "name": row.name, "id_number": row.id_number,
                      "status": row.status, "status_name": STATUSES.get(row.status, row.status), **line})
    return lines


def export_rows(lines):
    return [[line[key] if not isinstance(line[key], Decimal) else str(line[key]) for key in HEADERS]
            for line in lines]
