"""What every end-to-end test uses: an HTTP client, the `hpf` command, a logged-in employer."""
import contextlib
import json
import os
import socket
import subprocess
import sys

import requests

from hpf.system import System
from shared.config import ROOT, load_config
from tests import infra
from tests.factories import credit_code, login_of, mobile, resident_id


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


def hpf(system, *args):
    """Run the operators' `hpf` command against the system under test."""
    return subprocess.run([sys.executable, "-m", "hpf.cli", *args], cwd=ROOT, env=system.env,
                          capture_output=True, text=True, timeout=60)


PASSWORD = "Hall2026ok"  # what employer_session changes the initial password to


def register(system, name, first_month=None):
    clerk = {"name": "孙经办", "id_number": resident_id(), "mobile": mobile()}
    data = {"name": name, "clerks": [clerk]}
    result = hpf(system, "centre", "register-employer", "--name", name, "--uscc", credit_code(),
                 "--clerk-name", clerk["name"], "--clerk-id", clerk["id_number"],
                 "--clerk-mobile", clerk["mobile"], "--json",
                 *(("--first-month", first_month) if first_month else ()))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    return data, out["unit_account"], out["initial_password"]


def captcha_answer(system, captcha_id):
    """The answer of a captcha, from the dev service (what `hpf dev captcha` prints)."""
    from nameko.standalone.rpc import ClusterRpcProxy
    from hpf.dev import ask
    with ClusterRpcProxy(system.config, timeout=30) as rpc:
        return ask(rpc, "captcha_answer", captcha_id)


def with_captcha(system, api, form):
    """The form with a fresh captcha and its answer."""
    captcha = api.get("/api/v1/auth/captcha").json()
    return {**form, "captcha_id": captcha["captcha_id"],
            "captcha_answer": captcha_answer(system, captcha["captcha_id"])}


def login(system, api, data, unit_account, password):
    return api.post("/api/v1/auth/login", json=with_captcha(system, api, login_of(data, unit_account, password)))


def employer_session(system, name, first_month=None):
    """A fresh employer and a logged-in API client for it: every e2e test starts here.

    Registers by `hpf centre`, logs in with the initial password and the captcha, changes the
    password, logs in again.
    """
    data, unit_account, initial = register(system, name, first_month)
    api = Api(system.base_url)
    first = login(system, api, data, unit_account, initial)
    assert first.status_code == 200, first.text
    assert first.json()["must_change_password"] is True
    api.token = first.json()["token"]
    assert api.get("/api/v1/employer").json()["error"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    changed = api.post("/api/v1/auth/password", json={"old_password": initial, "new_password": PASSWORD})
    assert changed.status_code == 204, changed.text
    second = login(system, api, data, unit_account, PASSWORD)
    assert second.status_code == 200, second.text
    api.token = second.json()["token"]
    return api, unit_account


@contextlib.contextmanager
def running_system(amqp_uri, admin_db_url, name, **settings):
    """The whole system as processes on `amqp_uri`, with fresh databases made on `admin_db_url`
    (dropped afterwards); `settings` are environment variables of its own (throttles, sweeps …)."""
    run = infra.run_id()
    db_urls = infra.create_databases(admin_db_url, f"hpf_{name}{run}")
    env = {**os.environ, "AMQP_URI": amqp_uri, "HPF_MODE": "dev", "HPF_HTTP_PORT": str(free_port()),
           **settings, **infra.db_env(db_urls)}
    system = System(load_config(environ=env), env=env, log_dir=ROOT / "var" / f"{name}-{run}")
    try:
        system.migrate()
        system.start()
        system.wait_ready()
        yield system, db_urls
    finally:
        system.stop()
        infra.drop_databases(admin_db_url, db_urls)
