"""Monthly remittance, end to end against its floor, and the processes' peak memory.

    .venv/bin/python bench/remittance.py [--members 50000]

Starts the whole system (own vhost and databases), opens N members of one employer by the bulk
path (not timed), then times, over HTTP and the centre's RPC as the hall and the bank use them:
save (POST /api/v1/remittances), submit (to the task's success), the bank receipt, and posting
(receipt accepted → every member row written, as accounts announces on the bus → 已入账). The floor is the same work done plainly
on the same databases: one read of the members, one INSERT of the roster rows, one INSERT of the
member ledger rows (each a single statement over a JSON array, the fastest plain SQL path here, into tables made
like the real ones, with their indexes, and dropped afterwards).
"""
from shared.green import monkey_patch

monkey_patch()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kombu import Connection, Exchange, Queue  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from hpf.system import System  # noqa: E402
from shared.clock import centre_today  # noqa: E402
from shared.config import ROOT, load_config  # noqa: E402
from shared.months import month_of  # noqa: E402
from tests import infra  # noqa: E402
from tests.e2e.helpers import employer_session, free_port  # noqa: E402
from tests.posting import ledger_of, open_members  # noqa: E402


def peak_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait(probe, timeout=300, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"timed out: {probe.__name__}")


@contextlib.contextmanager
def rows_posted_listener(amqp_uri):
    """Waits for accounts' `verification_rows_posted` of a verification: the moment its last member
    row is written, heard on the bus, with no probe loading the database being timed."""
    with Connection(amqp_uri) as conn:
        heard = []
        queue = Queue(exclusive=True, auto_delete=True, exchange=Exchange("accounts.events", type="topic", durable=True),
                      routing_key="verification_rows_posted")
        with conn.Consumer(queue, callbacks=[lambda body, message: (heard.append(body), message.ack())],
                           accept=["json"]):
            def wait_for(number, timeout=300):
                deadline = time.monotonic() + timeout
                while not any(h.get("verification_no") == number for h in heard):
                    conn.drain_events(timeout=max(0.1, deadline - time.monotonic()))
            yield wait_for


def phases(api, rpc, unit, month, accounts_engine, members, amqp_uri):
    timings = {}
    started = time.perf_counter()
    saved = api.post("/api/v1/remittances", json={"month": month})
    timings["save"] = time.perf_counter() - started
    assert saved.status_code == 201, saved.text[:500]
    number, amount = saved.json()["verification_no"], saved.json()["amount"]
    assert saved.json()["headcount"] == members

    started = time.perf_counter()
    task_id = api.post(f"/api/v1/remittances/{number}/submit").json()["task_id"]

    def submitted():
        task = api.get(f"/api/v1/tasks/{task_id}")
        return task.status_code == 200 and task.json()["status"] == "succeeded"
    wait(submitted)
    timings["submit"] = time.perf_counter() - started

    with rows_posted_listener(amqp_uri) as rows_posted:
        started = time.perf_counter()
        receipt = rpc.contributions.post_bank_receipt({"bank_ref": f"BENCH{unit}", "unit_account": unit,
                                                       "amount": amount, "reference": number})
        timings["receipt"] = time.perf_counter() - started
        assert receipt["result"] == "posted", receipt
        rows_posted(number)
        timings["member rows"] = time.perf_counter() - started
    assert ledger_of(accounts_engine, number) == (members, members)  # each member once

    def posted():
        return api.get(f"/api/v1/remittances/{number}").json()["status"] == "posted"
    wait(posted)
    timings["posted"] = time.perf_counter() - started
    return timings, number


def diagnose(rpc, unit, number):
    """Where the time goes: the roster over the bus, and the verification's rows served in pages."""
    started = time.perf_counter()
    rpc.accounts.remittance_roster(unit)
    print(f"  (accounts.remittance_roster over the bus: {time.perf_counter() - started:.2f} s)")
    started, after, pages = time.perf_counter(), 0, 0
    while True:
        page = rpc.contributions.verification_rows(number, after=after, limit=5000)["rows"]
        if not page:
            break
        after, pages = page[-1][0], pages + 1
    print(f"  (contributions.verification_rows, {pages} pages of 5000: {time.perf_counter() - started:.2f} s)")


def floors(accounts_url, contributions_url, unit, number):
    """The same rows plainly: one SELECT of the members, one INSERT of the roster rows, one INSERT of
    the member ledger rows, into tables made like the real ones."""
    accounts, contributions = create_engine(accounts_url), create_engine(contributions_url)
    result = {}
    started = time.perf_counter()
    with accounts.connect() as conn:
        members = conn.execute(text("select account_no, name, id_number, base from members "
                                    "where unit_account = :u and status = '01' order by account_no"),
                               {"u": unit}).all()
    result["read members"] = time.perf_counter() - started
    roster = json.dumps([[a, n, i, "202612", str(b), "600.00", "600.00"] for a, n, i, b in members],
                        ensure_ascii=False)
    with contributions.begin() as conn:  # a table like the real one (indexes, logged), dropped after
        conn.execute(text("create table floor_rows (like verification_rows including all)"))
        started = time.perf_counter()
        conn.execute(text(
            "insert into floor_rows (verification_id, account_no, name, id_number, month, base, employer_amount, "
            "employee_amount) select 1, r->>0, r->>1, r->>2, r->>3, cast(r->>4 as numeric), cast(r->>5 as numeric), "
            "cast(r->>6 as numeric) from json_array_elements(cast(:rows as json)) as r"), {"rows": roster})
        result["insert roster rows"] = time.perf_counter() - started
    with contributions.begin() as conn:
        conn.execute(text("drop table floor_rows"))
    ledger = json.dumps([[a, "1200.00", "600.00", "600.00", "1200.00"] for a, *_ in members])
    with accounts.begin() as conn:
        conn.execute(text("create table floor_ledger (like member_ledger including all)"))
        started = time.perf_counter()
        conn.execute(text(
            "insert into floor_ledger (id, account_no, unit_account, value_date, type, amount, employer_amount, "
            "employee_amount, balance_after, month, reference, summary, created_at) "
            "select row_number() over (), r->>0, :u, current_date, '01', cast(r->>1 as numeric), "
            "cast(r->>2 as numeric), cast(r->>3 as numeric), cast(r->>4 as numeric), '202612', :ref, '', now() "
            "from json_array_elements(cast(:rows as json)) as r"), {"rows": ledger, "u": unit, "ref": number})
        result["insert member ledger rows"] = time.perf_counter() - started
    with accounts.begin() as conn:
        conn.execute(text("drop table floor_ledger"))
    accounts.dispose()
    contributions.dispose()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    args = parser.parse_args()

    broker, admin, run = infra.broker_uri(), infra.admin_db_url(), infra.run_id()
    db_urls = infra.create_databases(admin, f"hpf_r{run}")
    vhost = f"hpf-bench-{run}"
    env = {**os.environ, "AMQP_URI": infra.create_vhost(broker, vhost), "HPF_MODE": "dev",
           "HPF_HTTP_PORT": str(free_port()), "HPF_LOG_LEVEL": os.environ.get("HPF_LOG_LEVEL", "WARNING"), **infra.db_env(db_urls)}
    config = load_config(environ=env)
    system = System(config, env=env, log_dir=ROOT / "var" / f"bench-{run}")
    try:
        system.migrate()
        system.start()
        system.wait_ready()
        api, unit = employer_session(system, "汇缴基准测试有限公司")
        accounts_engine = create_engine(db_urls["accounts"])
        started = time.perf_counter()
        open_members(accounts_engine, config, unit, args.members)
        print(f"remittance of {args.members} members (opened by the bulk path in "
              f"{time.perf_counter() - started:.1f} s, not timed)")
        with ClusterRpcProxy(config, timeout=120) as rpc:
            timings, number = phases(api, rpc, unit, month_of(centre_today(config)), accounts_engine,
                                     args.members, config["AMQP_URI"])
            diagnose(rpc, unit, number)
        accounts_engine.dispose()
        floor = floors(db_urls["accounts"], db_urls["contributions"], unit, number)
        for name, seconds in timings.items():
            print(f"  {name:<28}{seconds:7.2f} s")
        for name, seconds in floor.items():
            print(f"  floor: {name:<21}{seconds:7.2f} s")
        save_floor = floor["read members"] + floor["insert roster rows"]
        post_floor = floor["insert member ledger rows"]
        print(f"  ratio save / (read + roster insert):            {timings['save'] / save_floor:5.2f}"
              "   (target ≤ 3, save < 5 s)")
        print(f"  ratio member rows / ledger insert:              {timings['member rows'] / post_floor:5.2f}"
              "   (target ≤ 3, posting < 10 s)")
        total = timings["save"] + timings["member rows"]
        print(f"  ratio save + posting / whole floor:             {total / sum(floor.values()):5.2f}")
        for name in ("contributions", "accounts", "gateway"):
            print(f"  {name} process peak memory (VmHWM): {peak_mb(system.processes[name][0].pid):.0f} MB"
                  "   (target < 300 MB)")
    finally:
        system.stop()
        infra.drop_databases(admin, db_urls)
        infra.delete_vhost(broker, vhost)


if __name__ == "__main__":
    main()
