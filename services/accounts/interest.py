"""Interest settlement of an HPF year (B2, MONEY.md): the 积数 of daily closing balances by value
date, at the year's rate and day basis, rounded once per account by the year's rounding mode to
the fen, credited as a ledger row of type 09 dated 30 June of the year's end.

The run goes through every account in account order, `chunk` accounts a transaction: the run row
is locked first (a second runner waits, then carries on after the first), the chunk's rows and
balances are written, and the cursor moves in the same commit. A crash loses at most the chunk
under way, which is then done again from the committed cursor."""
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text

from services.accounts import store
from services.accounts.models import AccountMerge, InterestRun
from shared.money import round_money
from shared.months import hpf_year_of
from shared.tasks import QUEUED, RUNNING, SUCCEEDED, Task

INTEREST_TYPE, MERGED = "09", "03"
TASK_KIND, CENTRE = "settle_interest", "CENTRE"
MEMBERS, LEDGER = store.MEMBERS, store.LEDGER


def year_bounds(year):
    """An HPF year: 1 July `year` to 30 June of the next, both included."""
    return date(year, 7, 1), date(year + 1, 6, 30)


def reference(year):
    return f"JX{year}"


def day_divisor(year, day_basis):
    start, end = year_bounds(year)
    return (end - start).days + 1 if day_basis == "actual" else int(day_basis)


def interest_of(carried, movements, year, rate, day_basis, rounding_mode):
    """round_fen(Σ daily closing balance × rate / D): the balance carried over is held every day
    of the year, each movement (value date, signed amount) from its value date to 30 June, both
    included."""
    start, end = year_bounds(year)
    product = Decimal(carried) * ((end - start).days + 1)
    for value_date, amount in movements:
        product += Decimal(amount) * ((end - value_date).days + 1)
    return interest_of_product(product, year, rate, day_basis, rounding_mode)


def interest_of_product(product, year, rate, day_basis, rounding_mode):
    """The interest of a 积数 (Σ of daily closing balances over the year)."""
    return round_money(Decimal(product) * Decimal(rate) / day_divisor(year, day_basis), "fen", rounding_mode)


# On PostgreSQL the 积数 of a chunk's accounts is summed in the database, exactly (numeric): one row
# an account instead of a row a movement. The year's own interest rows are not movements of it.
# A chunk is a run of consecutive accounts, so its rows are one range of the ledger's account index.
_PRODUCTS = text(
    "SELECT account_no, SUM(CASE WHEN value_date < :start THEN amount * :days"
    " WHEN reference <> :reference THEN amount * ((CAST(:end AS date) - value_date) + 1) ELSE 0 END)"
    " FROM member_ledger WHERE account_no BETWEEN :first AND :last AND value_date <= :end GROUP BY account_no")


def _products(session, accounts, year):
    """{account no.: 积数 of the year} of the accounts (consecutive, in account order) that have
    rows up to its end."""
    start, end = year_bounds(year)
    first, last = accounts[0], accounts[-1]
    if session.get_bind().dialect.name == "postgresql":
        return dict(session.execute(_PRODUCTS, {"start": start, "end": end, "days": (end - start).days + 1,
                                                "reference": reference(year), "first": first, "last": last}).all())
    mine = LEDGER.c.account_no.between(first, last)
    carried = dict(session.execute(select(LEDGER.c.account_no, func.sum(LEDGER.c.amount))
                                   .where(mine, LEDGER.c.value_date < start)
                                   .group_by(LEDGER.c.account_no)).all())
    movements = defaultdict(list)
    for account_no, value_date, amount in session.execute(
            select(LEDGER.c.account_no, LEDGER.c.value_date, LEDGER.c.amount)
            .where(mine, LEDGER.c.value_date >= start, LEDGER.c.value_date <= end,
                   LEDGER.c.reference != reference(year))):
        movements[account_no].append((value_date, amount))
    days = (end - start).days + 1
    return {account_no: Decimal(carried.get(account_no, 0)) * days + sum(
        (Decimal(amount) * ((end - value_date).days + 1) for value_date, amount in movements[account_no]), Decimal(0))
        for account_no in set(carried) | set(movements)}


def task_of(run):
    return Task(run.task_id, CENTRE, "accounts", TASK_KIND, title=f"{run.year}年度个人账户结息", total=run.total,
                submitted_by=run.submitted_by, status=run.status, done=run.done, failed=0, seq=run.seq,
                submitted_at=run.started_at.isoformat(timespec="seconds"),
                started_at=run.started_at.isoformat(timespec="seconds"),
                finished_at=run.finished_at.isoformat(timespec="seconds") if run.finished_at else None,
                message=(f"结息{run.credited}户，利息合计{run.amount}元" if run.status == SUCCEEDED else None))


def start_run(session, year, policy, task_id, submitted_by):
    """The year's run, created once (queued) with the policy it settles by; an existing one is
    returned as it is."""
    run = session.get(InterestRun, year, with_for_update=True)
    if run is None:
        total = session.scalar(select(func.count()).select_from(MEMBERS))
        run = InterestRun(year=year, task_id=task_id, status=QUEUED, rate=Decimal(policy["interest_rate"]),
                          day_basis=policy.get("day_basis") or "actual", rounding_mode=policy["rounding_mode"],
                          total=total, submitted_by=submitted_by, started_at=store.now())
        session.add(run)
        session.flush()
    return run


def _merge_targets(session, accounts):
    """{merged-out account: the account its money is in now} (following merges of merges)."""
    targets, pending = {}, list(accounts)
    while pending:
        found = dict(session.execute(select(AccountMerge.from_account, AccountMerge.to_account)
                                     .where(AccountMerge.from_account.in_(pending))).all())
        pending = []
        for source, target in found.items():
            targets[source] = target
            pending.append(target)
        pending = [a for a in pending if a not in targets]
    resolved = {}
    for source in accounts:
        target = source
        while target in targets:
            target = targets[target]
        resolved[source] = target
    return resolved


def settle_chunk(session, year, chunk):
    """Settle the next `chunk` accounts; the run row, locked, as it is after them (None when there
    is no such run, or it had already finished). The caller commits."""
    run = session.get(InterestRun, year, with_for_update=True)
    if run is None or run.status == SUCCEEDED:
        return None
    run.status = RUNNING
    rows = session.execute(select(MEMBERS.c.account_no, MEMBERS.c.status).where(MEMBERS.c.account_no > run.last_account_no)
                           .order_by(MEMBERS.c.account_no).limit(chunk)).all()
    if not rows:
        run.status, run.finished_at, run.total = SUCCEEDED, store.now(), run.done
        return run
    accounts = [account_no for account_no, _ in rows]
    interest = {}
    for account_no, product in _products(session, accounts, year).items():
        amount = interest_of_product(product, year, run.rate, run.day_basis, run.rounding_mode)
        if amount:
            interest[account_no] = amount
    merged = [account_no for account_no, status in rows if status == MERGED and account_no in interest]
    targets = _merge_targets(session, merged) if merged else {}
    credits = defaultdict(list)  # the account credited → [(account the interest was earned on, amount)]
    for account_no, amount in interest.items():
        credits[targets.get(account_no, account_no)].append((account_no, amount))
    written = _credit(session, year, credits)
    run.last_account_no, run.done = accounts[-1], run.done + len(accounts)
    run.credited += written
    run.amount += sum(interest.values(), Decimal("0"))
    return run


def _credit(session, year, credits):
    """One interest row per account the interest was earned on, into the account holding it now."""
    if not credits:
        return 0
    locked = store.lock_members(session, list(credits))
    _, end = year_bounds(year)
    by_unit, balances, now = defaultdict(list), {}, store.now()
    for target in sorted(credits):
        unit, balance = locked[target]
        for source, amount in credits[target]:
            balance += amount
            by_unit[unit].append({"account_no": target, "month": None, "amount": amount, "employer_amount": None,
                                  "employee_amount": None, "balance_after": balance,
                                  "summary": f"{year}年度结息" + ("" if source == target else f"（原账户{source}）")})
        balances[target] = balance
    for unit, rows in by_unit.items():  # one statement per employer among the chunk's accounts
        store.add_ledger_rows(session, {"unit_account": unit, "value_date": end, "type": INTEREST_TYPE,
                                        "reference": reference(year), "created_at": now}, rows)
    store.set_balances(session, balances)
    return sum(len(rows) for rows in by_unit.values())


def settled_years(session):
    return set(session.scalars(select(InterestRun.year).where(InterestRun.status == SUCCEEDED)))


def posting_value_date(value_date, settled):
    """Money arriving once its value date's year is settled is posted on 1 July of the next year
    (MONEY.md), so no settled interest changes afterwards."""
    year = hpf_year_of(value_date)
    while year in settled:
        year += 1
        value_date = date(year, 7, 1)
    return value_date
