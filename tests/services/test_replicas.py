"""Replicas: two of one service share RPC load; an event reaches one replica of each subscriber."""
import collections
import itertools

import pytest
from nameko.events import event_handler
from nameko.extensions import DependencyProvider
from nameko.standalone.events import event_dispatcher

from services.contributions.service import ContributionsService
from tests.factories import credit_code
from tests.waiting import wait_for

handled = collections.Counter()
_replica_numbers = itertools.count(1)


class CountWorkers(DependencyProvider):
    """Counts, per container, the workers each entrypoint ran."""

    def setup(self):
        self.replica = next(_replica_numbers)

    def worker_setup(self, worker_ctx):
        handled[(self.container.service_name, self.replica, worker_ctx.entrypoint.method_name)] += 1


class CountedContributions(ContributionsService):
    counter = CountWorkers()


class OtherSubscriber:
    name = "other_subscriber"
    counter = CountWorkers()

    @event_handler("employer", "employer_registered")
    def on_employer_registered(self, payload):
        pass


@pytest.fixture(scope="module", autouse=True)
def replicas(start_service):
    start_service(CountedContributions)
    start_service(CountedContributions)
    start_service(OtherSubscriber)


def _by_replica(service, method):
    return {replica: n for (name, replica, m), n in handled.items() if name == service and m == method}


def test_two_replicas_share_rpc_load(rpc):
    for _ in range(40):
        assert rpc.contributions.get_policy(2026)["base_cap"] == "27000.00"
    per_replica = _by_replica("contributions", "get_policy")
    assert len(per_replica) == 2, per_replica
    assert sum(per_replica.values()) == 40
    assert min(per_replica.values()) >= 5  # round-robin, not one replica taking all


def test_event_reaches_one_replica_of_each_subscribing_service(config):
    dispatch = event_dispatcher(config)
    for n in range(6):
        dispatch("employer", "employer_registered", {
            "unit_account": f"6101990000{n:02d}", "name": "事件测试单位", "credit_code": credit_code(),
            "employer_rate": "0.12", "employee_rate": "0.12", "opened_on": "2026-11-27"})
    wait_for(lambda: sum(_by_replica("contributions", "on_employer_registered").values()) >= 6
             and sum(_by_replica("other_subscriber", "on_employer_registered").values()) >= 6)
    contributions = _by_replica("contributions", "on_employer_registered")
    assert sum(contributions.values()) == 6          # each event once across both replicas
    assert sum(_by_replica("other_subscriber", "on_employer_registered").values()) == 6
