"""Posting a verification's member rows, and the remittance roster, for a big employer.

    .venv/bin/python bench/member_posting.py [--rows 50000]

Own vhost and databases. Opens N members by the bulk path, starts the accounts service as its own
process, and, with the stand-in `contributions` of tests/posting.py serving the rows on the same
broker: times `accounts.remittance_roster` (one RPC for the whole roster), then a verification of
every member from `verification_posting` to `verification_rows_posted`, and reads the accounts
process's peak memory.
"""
from shared.green import monkey_patch

monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kombu import Connection  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.exceptions import UnknownService  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from hpf.system import System  # noqa: E402
from shared.config import ROOT, load_config  # noqa: E402
from shared.db import make_engine  # noqa: E402
from tests import infra  # noqa: E402
from tests.posting import (  # noqa: E402
    ContributionsStandIn, add_verification, balance_mismatches, ledger_of, open_members, posted_queue,
    posting_event)

UNIT = "610155550001"


def peak_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def answering(rpc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return rpc.accounts.ping()
        except UnknownService:
            time.sleep(0.2)
    raise RuntimeError("accounts did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()

    broker, admin, run = infra.broker_uri(), infra.admin_db_url(), infra.run_id()
    db_urls = infra.create_databases(admin, f"hpf_b{run}")
    vhost = f"hpf-bench-{run}"
    env = {**os.environ, "AMQP_URI": infra.create_vhost(broker, vhost), "HPF_MODE": "dev",
           "HPF_LOG_LEVEL": "WARNING", **infra.db_env(db_urls)}
    config = load_config(environ=env)
    system = System(config, env=env, log_dir=ROOT / "var" / f"bench-{run}")
    stand_in = ServiceContainer(ContributionsStandIn, config)
    engine = make_engine(db_urls["accounts"])
    try:
        system.migrate()
        started = time.perf_counter()
        accounts = open_members(engine, config, UNIT, args.rows)
        print(f"{len(accounts)} members opened by the bulk path in {time.perf_counter() - started:.1f} s")
        add_verification("HJ-BENCH", [[a, "202612", "300.00", "300.00"] for a in accounts])
        stand_in.start()
        system.start_service("accounts")
        with ClusterRpcProxy(config, timeout=60) as rpc, Connection(config["AMQP_URI"]) as conn:
            answering(rpc)
            for _ in range(3):
                started = time.perf_counter()
                roster = rpc.accounts.remittance_roster(UNIT)["members"]
                seconds = time.perf_counter() - started
                assert len(roster) == args.rows
                print(f"remittance_roster, {len(roster)} members, one RPC: {seconds:.2f} s")
            heard = posted_queue("bench")(conn.default_channel)
            heard.declare()
            pid = system.processes["accounts"][0].pid
            cpu = cpu_seconds(pid)
            started = time.perf_counter()
            rpc.contributions.send_posting(posting_event("HJ-BENCH", UNIT))
            while (message := heard.get(no_ack=True)) is None:
                time.sleep(0.005)
            seconds = time.perf_counter() - started
            cpu = cpu_seconds(pid) - cpu
            heard.delete()
        assert message.payload["rows"] == args.rows
        assert ledger_of(engine, "HJ-BENCH") == (args.rows, args.rows)
        assert balance_mismatches(engine, UNIT) == []
        print(f"posting, {args.rows} member rows (verification_posting → verification_rows_posted): "
              f"{seconds:.2f} s, {args.rows / seconds:,.0f} rows/s   (target < 10 s)")
        print(f"  accounts process CPU meanwhile: {cpu:.2f} s; machine load {os.getloadavg()[0]:.1f}")
        print(f"  accounts process peak memory (VmHWM): {peak_mb(pid):.0f} MB   (target < 300 MB)")
    finally:
        system.stop()
        stand_in.stop()
        engine.dispose()
        infra.drop_databases(admin, db_urls)
        infra.delete_vhost(broker, vhost)


if __name__ == "__main__":
    main()
