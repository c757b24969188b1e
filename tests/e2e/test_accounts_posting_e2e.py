"""The accounts process killed while it writes a verification's member rows, and restarted.

The accounts service runs as its own process (the same runner as production); `contributions` is
the stand-in of tests/posting.py on the same broker, answering `verification_rows` from the rows
this test makes. The contributions side's own version of this test drives a real verification.
"""
import os
import signal
import time
from decimal import Decimal

import pytest
from kombu import Connection
from nameko.exceptions import UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from hpf.system import System
from shared.config import ROOT, load_config
from tests import infra
from tests.posting import (
    ContributionsStandIn, add_verification, balance_mismatches, balances, ledger_of, open_members,
    posted_queue, posting_event)
from tests.waiting import wait_for

UNIT = "610166660001"
COUNT = 20_000


@pytest.fixture(scope="module")
def accounts_process(config, db_urls, vhost_uri, start_service):
    """Only the accounts service as a process, on this module's vhost and the run's databases."""
    start_service(ContributionsStandIn)
    env = {**os.environ, "AMQP_URI": vhost_uri, "HPF_MODE": "dev", **infra.db_env(db_urls),
           "HPF_POSTING_PAGE_ROWS": "1000"}
    system = System(load_config(environ=env), env=env, log_dir=ROOT / "var" / f"posting-e2e-{infra.run_id()}")
    try:
        yield system
    finally:
        system.stop()


def wait_answering(rpc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if rpc.accounts.ping() == "ok":
                return
        except UnknownService:
            time.sleep(0.2)
    raise AssertionError("the accounts process did not answer")


def test_f4_1_killed_while_posting_resumes_and_credits_every_member_exactly_once(accounts_process, config,
                                                                                  db_engine):
    engine = db_engine("accounts")
    accounts = open_members(engine, config, UNIT, COUNT)
    assert len(accounts) == COUNT
    add_verification("HJ-KILLED", [[a, "202612", "250.00", "250.00"] for a in accounts])
    with Connection(config["AMQP_URI"]) as conn, ClusterRpcProxy(config, timeout=30) as rpc:
        heard = posted_queue("posting-e2e")(conn.default_channel)
        heard.declare()
        accounts_process.start_service("accounts")
        wait_answering(rpc)
        rpc.contributions.send_posting(posting_event("HJ-KILLED", UNIT))
        deadline = time.monotonic() + 60
        while ledger_of(engine, "HJ-KILLED")[0] == 0:
            assert time.monotonic() < deadline, "posting did not start"
            time.sleep(0.01)
        accounts_process.stop_service("accounts", sig=signal.SIGKILL)
        at_kill = ledger_of(engine, "HJ-KILLED")[0]
        assert 0 < at_kill < COUNT, at_kill
        assert heard.get(no_ack=True) is None  # not complete, so not reported
        accounts_process.start_service("accounts")  # the broker redelivers the unacknowledged event

        def reported():
            message = heard.get(no_ack=True)
            return message and message.payload
        event = wait_for(reported, timeout=120)
        heard.delete()
    assert event == {"verification_no": "HJ-KILLED", "unit_account": UNIT, "rows": COUNT}
    assert ledger_of(engine, "HJ-KILLED") == (COUNT, COUNT)
    assert balance_mismatches(engine, UNIT) == []
    assert set(balances(engine, accounts).values()) == {Decimal("500.00")}
