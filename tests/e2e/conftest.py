"""The whole system as processes, with its own vhost and databases, driven over HTTP."""
import os
import socket
import subprocess
import sys

import pytest
import requests

from hpf.system import System
from shared.config import ROOT, load_config
from tests import infra


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api:
    """A thin HTTP client that keeps a bearer token."""

    def __init__(self, base_url, token=None):
        self.base_url = base_url
        self.token = token

    def request(self, method, path, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return requests.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


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


def hpf(system, *args):
    """Run the operators' `hpf` command against the system under test."""
    return subprocess.run([sys.executable, "-m", "hpf.cli", *args], cwd=ROOT, env=system.env,
                          capture_output=True, text=True, timeout=60)
