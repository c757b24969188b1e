"""Fixtures shared by every layer. Unit tests use none of the broker or database ones.

The browser layer (tests/browser) runs in a process of its own, `HPF_TEST_LAYER=browser`
(`make test` and `make test-browser` do it): Playwright cannot run under eventlet's monkey
patching, which every other layer needs.
"""
import os

from shared.green import monkey_patch

BROWSER_LAYER = os.environ.get("HPF_TEST_LAYER") == "browser"
if not BROWSER_LAYER:
    monkey_patch()  # nameko's pytest plugin does not; it must come before any socket
collect_ignore = ["unit", "services", "e2e"] if BROWSER_LAYER else ["browser"]

import eventlet  # noqa: E402
import pytest  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from shared.db import make_engine  # noqa: E402
from tests import infra  # noqa: E402

STOP_SECONDS = 30


@pytest.fixture(scope="session")
def broker():
    yield infra.broker_uri()


@pytest.fixture(scope="session")
def db_urls():
    admin = infra.admin_db_url()
    urls = infra.create_databases(admin, f"hpf_t{infra.run_id()}")
    yield urls
    infra.drop_databases(admin, urls)


@pytest.fixture(scope="session")
def db_engine(db_urls):
    """`db_engine("accounts")`: an engine on that service's test database, made once a session."""
    engines = {}

    def engine(service):
        if service not in engines:
            engines[service] = make_engine(db_urls[service])
        return engines[service]
    yield engine
    for made in engines.values():
        made.dispose()


@pytest.fixture(scope="module")
def vhost_uri(broker):
    vhost = f"hpf-test-{infra.run_id()}"
    uri = infra.create_vhost(broker, vhost)
    yield uri
    infra.delete_vhost(broker, vhost)


@pytest.fixture(scope="module")
def config(vhost_uri, db_urls):
    config = infra.service_config(vhost_uri, db_urls)
    infra.migrate_all(config)
    return config


@pytest.fixture(scope="module")
def start_service(config):
    """Start a service class in its own container (call twice for two replicas).

    Containers live for the test module: a graceful stop takes seconds. Call it from module
    fixtures, not test bodies: nameko's pytest plugin (`fast_teardown`) tells the consumers
    created during a test to stop when that test ends, and stopping such a container later hangs.
    """
    containers = []

    def start(service_cls, **overrides):
        container = ServiceContainer(service_cls, {**config, **overrides})
        container.start()
        containers.append(container)
        return container

    yield start
    stuck = []
    for container in reversed(containers):
        with eventlet.Timeout(STOP_SECONDS, False):
            container.stop()
        if not container._died.ready():  # a worker that never ends: fail here, not at the run's timeout
            container.kill()
            stuck.append(container.service_name)
    assert not stuck, f"not stopped within {STOP_SECONDS} s, killed: {stuck}"


@pytest.fixture(scope="module")
def rpc(config):
    with ClusterRpcProxy(config, timeout=30) as proxy:
        yield proxy


def pytest_sessionfinish(session, exitstatus):
    infra.stop_containers()
