"""The gateway's calls as the broker receives them: a read's (GET) are transient, a write's persistent,
and each reply is kept as its request was (F2.1, F7.1). A copy of every RPC message, calls and replies,
is routed to a queue of the test's own."""
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
def rpc_messages(config):
    """Every RPC message from now on: {correlation id: {routing key: delivery mode}}."""
    with kombu.Connection(config["AMQP_URI"]) as connection:
        queue = kombu.Queue("test-rpc-messages", get_rpc_exchange(config), routing_key="#", exclusive=True)(connection)
        queue.declare()
        seen = {}

        def read():
            while (message := queue.get(no_ack=True)) is not None:
                seen.setdefault(message.properties["correlation_id"], {})[
                    message.delivery_info["routing_key"]] = message.properties["delivery_mode"]
            return seen
        yield read


def call_and_reply(messages, method):
    """The delivery modes of the latest call to `method` and of its reply, once both have passed
    (registering and logging in call the employer service too, from auth)."""
    for modes in reversed(list(messages().values())):
        if method in modes and len(modes) == 2:
            reply_key = next(key for key in modes if key != method)
            return modes[method], modes[reply_key]
    return None


def test_f7_1_a_read_and_its_reply_are_transient_a_write_and_its_reply_persistent(rpc, gateway, rpc_messages):
    token = http_login(rpc, gateway, *registered_employer(rpc, gateway))
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(gateway + "/api/v1/employer", headers=headers, timeout=10).status_code == 200
    written = requests.put(gateway + "/api/v1/home/shortcuts", headers=headers, timeout=10,
                           json={"function_ids": ["F7.1"]})
    assert written.status_code == 200, written.text
    read = wait_for(lambda: call_and_reply(rpc_messages, "employer.get_employer"))
    write = wait_for(lambda: call_and_reply(rpc_messages, "employer.set_shortcuts"))
    assert read == (TRANSIENT, TRANSIENT)
    assert write == (PERSISTENT, PERSISTENT)
