"""The whole system as processes, with its own vhost and databases, driven over HTTP."""
import pytest

from tests import infra
from tests.e2e.helpers import Api, running_system


@pytest.fixture(scope="session")
def system(broker):
    vhost = f"hpf-e2e-{infra.run_id()}"
    try:
        with running_system(infra.create_vhost(broker, vhost), infra.admin_db_url(), "e2e") as (system, _):
            yield system
    finally:
        infra.delete_vhost(broker, vhost)


@pytest.fixture
def api(system):
    return Api(system.base_url)
