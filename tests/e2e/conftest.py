"""The whole system as processes, with its own vhost and databases, driven over HTTP."""
import os

import pytest

from hpf.system import System
from shared.config import ROOT, load_config
from tests import infra
from tests.e2e.helpers import Api, free_port


@pytest.fixture(scope="session")
def system(broker):
    admin = infra.admin_db_url()
    run = infra.run_id()
    vhost = f"hpf-e2e-{run}"
    db_urls = infra.create_databases(admin, f"hpf_e{run}")
    env = {**os.environ, "AMQP_URI": infra.create_vhost(broker, vhost), "HPF_MODE": "dev",
           "HPF_HTTP_PORT": str(free_port()), **infra.db_env(db_urls)}
    system = System(load_config(environ=env), env=env, log_dir=ROOT / "var" / f"e2e-{run}")
    system.migrate()
    system.start()
    try:
        system.wait_ready()
        yield system
    finally:
        system.stop()
        infra.drop_databases(admin, db_urls)
        infra.delete_vhost(broker, vhost)


@pytest.fixture
def api(system):
    return Api(system.base_url)
