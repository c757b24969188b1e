"""Employer events go through an outbox: stored with the change, sent in order, never lost."""
from datetime import datetime, timezone

import pytest
from eventlet.queue import LightQueue
from kombu import Queue
from nameko.events import EventDispatcher
from nameko.standalone.events import get_event_exchange
from nameko.messaging import consume
from sqlalchemy import insert, text

from services.contributions.service import ContributionsService
from services.employer.models import OutboxEvent
from services.employer.service import EmployerService
from tests.factories import employer_data
from tests.waiting import wait_for

LEFT_BEHIND = "610199880001"  # its events were committed, and then the process died
heard = LightQueue()


class EmployerEvents:
    """Hears every employer event on one queue, so in the order they were published."""
    name = "employer_events_probe"

    @consume(Queue("employer_events_probe", exchange=get_event_exchange("employer", {}), routing_key="#",
                   auto_delete=True))
    def hear(self, payload):
        heard.put(payload)


def next_heard():
    payload = heard.get(timeout=10)
    return payload.get("number", "registered"), payload["unit_account"]


@pytest.fixture(scope="module")
def engine(db_engine):
    return db_engine("employer")


def unsent(engine):
    with engine.connect() as conn:
        return conn.execute(text("select event_type, payload from outbox_events where sent_at is null "
                                 "order by id")).all()


@pytest.fixture(scope="module", autouse=True)
def events_left_behind_then_services(engine, config, start_service):
    registered = {"unit_account": LEFT_BEHIND, "name": "遗留事件单位", "credit_code": "91610131MA6TXKQ12N",
                  "employer_rate": "0.1200", "employee_rate": "0.1200", "opened_on": "2026-11-27"}
    changed = {"unit_account": LEFT_BEHIND, "number": "DWBG20261127999999", "channel": "柜台",
               "fields": ["employer_rate"], "values": {"employer_rate": "0.1000"}}
    with engine.begin() as conn:
        conn.execute(insert(OutboxEvent), [
            {"event_type": "employer_registered", "payload": registered, "created_at": datetime.now(timezone.utc)},
            {"event_type": "employer_changed", "payload": changed, "created_at": datetime.now(timezone.utc)}])
    start_service(EmployerEvents)
    start_service(ContributionsService)
    start_service(EmployerService)


def test_events_left_behind_by_a_crash_are_sent_at_start_in_order(engine):
    assert [next_heard(), next_heard()] == [("registered", LEFT_BEHIND),
                                           ("DWBG20261127999999", LEFT_BEHIND)]
    wait_for(lambda: unsent(engine) == [])  # marked sent once published


def test_a_change_whose_event_cannot_leave_stands_and_its_event_goes_first_next_time(engine, rpc, monkeypatch):
    def broker_down(dispatcher, worker_ctx):
        def dispatch(event_type, payload):
            raise ConnectionError("broker unreachable")
        return dispatch
    with monkeypatch.context() as patch:
        patch.setattr(EventDispatcher, "get_dependency", broker_down)
        first = rpc.employer.register_employer(employer_data())["unit_account"]
    assert rpc.employer.get_employer(first)["unit_account"] == first  # the registration stands
    assert [(row.event_type, row.payload["unit_account"]) for row in unsent(engine)] == [
        ("employer_registered", first)]
    second = rpc.employer.register_employer(employer_data())["unit_account"]
    assert [next_heard(), next_heard()] == [("registered", first), ("registered", second)]
    wait_for(lambda: unsent(engine) == [])
