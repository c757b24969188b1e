"""Faults the system must survive: a broker restart and a database restart while a batch runs and
clerks read. Each test runs a broker or a database of its own, never the machine's."""
import time

import pytest
from sqlalchemy import create_engine, text

from services.accounts.templates import OPENING
from shared.xlsx import write_template
from tests import infra
from tests.e2e.helpers import employer_session, running_system
from tests.e2e.test_accounts_e2e import upload, wait_batch
from tests.factories import mobile, resident_ids
from tests.private_services import (PrivateBroker, PrivatePostgres, private_broker_available,
                                    private_postgres_available, wait_until)

ROWS = 10_000


def member_counts(db_url, unit):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT count(*), count(DISTINCT id_number) FROM members "
                                   "WHERE unit_account = :u"), {"u": unit}).one()
    engine.dispose()
    return tuple(counts)


def submit_batch(api):
    rows = [(f"职工{i}", number, "5000.00", mobile()) for i, number in enumerate(resident_ids(ROWS))]
    assert upload(api, write_template(OPENING, rows)).json()["imported"] == ROWS
    return api.post("/api/v1/openings/submit").json()


def assert_read_fails_fast_with_503(api):
    started = time.monotonic()
    down = api.get("/api/v1/employer")
    took = time.monotonic() - started
    assert down.status_code == 503, down.text
    assert took < 10 and "稍后" in down.json()["error"]["message"]


def not_ready_report(system):
    status, body = system.readiness()
    down = (body or {}).get("down", [])
    tails = "\n".join(f"--- {name}\n{system.log_tail(name, 60)}" for name in down)
    return f"readyz {status} {body}, exited: {system.dead()}\n{tails}"


def assert_batch_completes_once(system, api, submitted, db_url, unit):
    assert wait_until(lambda: system.readiness()[0] == 200, timeout=90), not_ready_report(system)
    batch = wait_batch(api, submitted["batch_id"], timeout=240)
    assert (batch["status"], batch["opened"], batch["failed"]) == ("succeeded", ROWS, 0)
    assert member_counts(db_url, unit) == (ROWS, ROWS)
    assert api.get("/api/v1/employer").status_code == 200
    task = api.get(f"/api/v1/tasks/{submitted['task_id']}").json()
    assert task["status"] == "succeeded" and task["done"] == ROWS


@pytest.fixture(scope="module")
def broker_system():
    if not private_broker_available():
        pytest.skip("needs rabbitmq-server to run a broker of its own")
    broker = PrivateBroker().start()
    try:
        with running_system(broker.uri, infra.admin_db_url(), "faults", HPF_STALE_BATCH_SECONDS="5") as (system, db_urls):
            yield system, broker, db_urls
    finally:
        broker.close()


@pytest.fixture(scope="module")
def database_system(broker):
    if not private_postgres_available():
        pytest.skip("needs PostgreSQL's server binaries to run a database of its own")
    postgres = PrivatePostgres().start()
    vhost = f"hpf-faults-{infra.run_id()}"
    try:
        with running_system(infra.create_vhost(broker, vhost), postgres.admin_url, "faults",
                            HPF_STALE_BATCH_SECONDS="5") as (system, db_urls):
            yield system, postgres, db_urls
    finally:
        postgres.close()
        infra.delete_vhost(broker, vhost)


def test_a_broker_restart_mid_batch_loses_no_submission_and_reads_fail_fast(broker_system):
    system, broker, db_urls = broker_system
    api, unit = employer_session(system, "故障甲有限公司")
    submitted = submit_batch(api)
    assert member_counts(db_urls["accounts"], unit)[0] < ROWS  # the restart falls within the batch
    broker.stop_app()
    try:
        assert_read_fails_fast_with_503(api)
    finally:
        broker.start_app()
    assert_batch_completes_once(system, api, submitted, db_urls["accounts"], unit)


def test_a_database_restart_mid_batch_loses_no_submission_and_reads_fail_fast(database_system):
    system, postgres, db_urls = database_system
    api, unit = employer_session(system, "故障乙有限公司")
    submitted = submit_batch(api)
    assert member_counts(db_urls["accounts"], unit)[0] < ROWS
    postgres.stop()
    try:
        assert_read_fails_fast_with_503(api)
    finally:
        postgres.start()
    assert_batch_completes_once(system, api, submitted, db_urls["accounts"], unit)
