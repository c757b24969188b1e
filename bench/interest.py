"""Interest settlement of a whole year (B2) against its floor, in one run.

    .venv/bin/python bench/interest.py [--accounts 200000] [--movements 12] [--chunk 5000]

Own PostgreSQL database. Makes N accounts, each with a balance carried over and a year of monthly
movements (in SQL, not timed), then settles the year as the accounts service does (the same
`interest.settle_chunk`, a chunk a transaction, committed cursor) and, on the same database, the
floor of the same work: one bulk read of the year's movements and one bulk insert of one row per
account. Prints both, their ratio and the peak memory of settling (read before the floor, which
holds all movements at once). Targets: < 60 s, ratio ≤ 3, < 300 MB.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from services.accounts import interest  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.migrate import upgrade  # noqa: E402
from tests import infra  # noqa: E402

YEAR = 2024
POLICY = {"interest_rate": "0.015", "day_basis": "actual", "rounding_mode": "half_up"}


def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fill(engine, accounts, movements):
    """N members of one employer (with the batch and rows they were opened from), a carried-over
    row each and `movements` monthly rows in the year, all by generate_series."""
    with engine.begin() as conn:
        conn.execute(text("insert into opening_batches (id, kind, batch_no, task_id, unit_account, employer_name,"
                          " submitted_by, status, total, done, failed, seq, announced, opened_on, submitted_at,"
                          " updated_at) values (1, 'open', 'KH-BENCH', 'bench', '610100000001', '某单位', '某经办',"
                          " 'succeeded', :n, :n, 0, 1, true, '2020-01-01', now(), now())"), {"n": accounts})
        conn.execute(text("insert into opening_rows (id, batch_id, name, id_number, base, mobile, household, address,"
                          " phone, state) select i, 1, '职工', lpad(i::text, 18, '0'), 5000, '13900000000', '', '', '',"
                          " 'opened' from generate_series(1, :n) as i"), {"n": accounts})
        conn.execute(text("insert into members (account_no, unit_account, opening_row_id, batch_id, name, id_type,"
                          " id_number, sex, birth_date, base, mobile, household, address, phone, status, balance,"
                          " opened_on, created_at) select '61019' || lpad(i::text, 9, '0'), '610100000001', i, 1, '职工',"
                          " '01', lpad(i::text, 18, '0'), '男', '1990-01-01', 5000, '13900000000', '', '', '', '02',"
                          " 0, '2020-01-01', now() from generate_series(1, :n) as i"), {"n": accounts})
        conn.execute(text("insert into member_ledger (account_no, unit_account, value_date, type, amount, balance_after,"
                          " month, reference, summary, created_at) select '61019' || lpad(i::text, 9, '0'),"
                          " '610100000001', '2024-05-31', '01', 10000 + i % 997, 0, null, 'B0', '', now()"
                          " from generate_series(1, :n) as i"), {"n": accounts})
        conn.execute(text("insert into member_ledger (account_no, unit_account, value_date, type, amount, balance_after,"
                          " month, reference, summary, created_at) select '61019' || lpad(i::text, 9, '0'),"
                          " '610100000001', date '2024-07-10' + (m * 30), '01', 1000 + (i * m) % 503, 0,"
                          " to_char(date '2024-07-10' + (m * 30), 'YYYYMM'), 'M' || m, '', now()"
                          " from generate_series(1, :n) as i, generate_series(0, :k - 1) as m"),
                     {"n": accounts, "k": movements})
        conn.execute(text("update members set balance = s.total from (select account_no, sum(amount) as total"
                          " from member_ledger group by account_no) s where members.account_no = s.account_no"))
    with engine.connect() as conn:
        conn.execute(text("analyze"))


def settle(engine, chunk):
    started = time.perf_counter()
    with Session(engine) as session:
        interest.start_run(session, YEAR, POLICY, "bench-interest", "中心")
        session.commit()
        while interest.settle_chunk(session, YEAR, chunk) is not None:
            session.commit()
    return time.perf_counter() - started


def floor(engine):
    """The same work done plainly: read the year's movements once, write one row per account."""
    start, end = interest.year_bounds(YEAR)
    with engine.begin() as conn:
        started = time.perf_counter()
        rows = conn.execute(text("select account_no, value_date, amount from member_ledger"
                                 " where value_date >= :s and value_date <= :e"), {"s": start, "e": end}).all()
        read = time.perf_counter() - started
        conn.execute(text("create temporary table floor_rows (like member_ledger including all)"))
        started = time.perf_counter()
        conn.execute(text("insert into floor_rows (account_no, unit_account, value_date, type, amount, balance_after,"
                          " reference, summary, created_at) select account_no, unit_account, :e, '09', 1.23,"
                          " balance + 1.23, 'JX', '', now() from members"), {"e": end})
        write = time.perf_counter() - started
    return read, write, len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--movements", type=int, default=12)
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args()
    admin, run = infra.admin_db_url(), infra.run_id()
    urls = infra.create_databases(admin, f"hpf_i{run}")
    engine = make_engine(urls["accounts"])
    try:
        upgrade("accounts", urls["accounts"])
        started = time.perf_counter()
        fill(engine, args.accounts, args.movements)
        print(f"{args.accounts} accounts, {args.accounts * (args.movements + 1)} ledger rows made in "
              f"{time.perf_counter() - started:.1f} s (not timed)")
        seconds = settle(engine, args.chunk)
        settled_peak = peak_mb()  # before the floor, which holds every movement in memory at once
        with engine.connect() as conn:
            written, total = conn.execute(text("select count(*), sum(amount) from member_ledger where type = '09'")).one()
        read, write, movements = floor(engine)
        print(f"settle {YEAR}: {seconds:6.2f} s   {written} interest rows, {total} in all, chunks of {args.chunk}")
        print(f"floor: read {movements} movements {read:6.2f} s + insert {args.accounts} rows {write:6.2f} s")
        print(f"ratio settle / floor: {seconds / (read + write):5.2f}   (target ≤ 3; settle < 60 s)")
        print(f"peak memory while settling: {settled_peak:.0f} MB (target < 300 MB)")
    finally:
        engine.dispose()
        infra.drop_databases(admin, urls)


if __name__ == "__main__":
    main()
