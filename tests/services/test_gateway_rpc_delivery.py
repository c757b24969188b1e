"""The gateway's calls as the broker receives them: a read's (GET) are transient, a write's persistent
(F2.1, F7.1). A copy of every call to the employer service is routed to a queue of the test's own."""
import kombu
import pytest
import requests
from nameko.rpc import get_rpc_exchange

from hpf.dev import DevService
from services.auth.service import AuthService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from services.gateway.service import GatewayService
from tests.e2e.helpers import free_port
from tests.services.test_gateway_sessions import http_login, registered_employer
from tests.waiting import wait_for

PERSISTENT, TRANSIENT = 2, 1


@pytest.fixture(scope="module")
def gateway(start_service):
    for cls in (AuthService, EmployerService, ContributionsService, DevService):
        start_service(cls)
    address = f"127.0.0.1:{free_port()}"
    start_service(GatewayService, WEB_SERVER_ADDRESS=address)
    return f"http://{address}"


@pytest.fixture
def calls_to_employer(config):
    """Every RPC request to the employer service from now on, as (method, delivery mode)."""
    with kombu.Connection(config["AMQP_URI"]) as connection:
        queue = kombu.Queue("test-employer-calls", get_rpc_exchange(config), routing_key="employer.*",
                            exclusive=True)(connection)
        queue.declare()
        seen = {}

        def read():
            while (message := queue.get(no_ack=True)) is not None:
                seen[message.delivery_info["routing_key"].split(".", 1)[1]] = message.properties["delivery_mode"]
            return seen
        yield read


def test_f7_1_a_read_is_sent_transient_and_a_write_persistent(rpc, gateway, calls_to_employer):
    token = http_login(rpc, gateway, *registered_employer(rpc, gateway))
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(gateway + "/api/v1/employer", headers=headers, timeout=10).status_code == 200
    written = requests.put(gateway + "/api/v1/home/shortcuts", headers=headers, timeout=10,
                           json={"function_ids": ["F7.1"]})
    assert written.status_code == 200, written.text
    wait_for(lambda: {"get_employer", "set_shortcuts"} <= calls_to_employer().keys())
    assert calls_to_employer()["get_employer"] == TRANSIENT
    assert calls_to_employer()["set_shortcuts"] == PERSISTENT
