"""Production mode: weak or missing secrets stop auth and the gateway from starting, and the
dev-only path (captcha answers, SMS outbox) does not answer at all (F1.1, F1.2)."""
import collections
import os
import subprocess
import sys
import time

import pytest
from nameko.containers import ServiceContainer
from nameko.events import event_handler
from nameko.exceptions import UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from hpf.dev import DevService
from services.auth.service import AuthService
from services.gateway.service import GatewayService
from shared.config import ROOT

STRONG = "a-production-secret-of-enough-length-0123456789"
heard = collections.Counter()


class Listener:
    """Hears what auth sends for the dev service (in dev mode the auth tests rely on it)."""
    name = "listener"

    @event_handler("auth", "dev_captcha_issued", reliable_delivery=False)
    def on_dev_captcha(self, payload):
        heard["dev_captcha_issued"] += 1


def production(config, secret):
    return {"HPF_MODE": "production", "AUTH": {**config["AUTH"], "jwt_secret": secret},
            "VOUCHERS": {"secret": STRONG}}


def refuses_to_start(service, config, match):
    container = ServiceContainer(service, config)
    with pytest.raises(RuntimeError, match=match):
        container.start()
    container.kill()


@pytest.mark.parametrize("service", [AuthService, GatewayService])
@pytest.mark.parametrize("secret", ["", "dev-only-secret-do-not-use-in-production", "short-secret"])
def test_production_refuses_to_start_with_a_missing_or_development_secret(config, service, secret):
    refuses_to_start(service, {**config, **production(config, secret)}, "HPF_JWT_SECRET")


def test_the_dev_service_refuses_to_start_in_production(config):
    refuses_to_start(DevService, {**config, "HPF_MODE": "production"}, "dev mode")


@pytest.fixture(scope="module")
def production_auth(start_service, config):
    start_service(Listener)
    start_service(AuthService, **production(config, STRONG))


def test_in_production_no_captcha_answer_leaves_auth_and_the_dev_path_does_not_answer(production_auth, config, rpc):
    rpc.auth.new_captcha()
    for call in (lambda dev: dev.captcha_answer("anything"), lambda dev: dev.last_sms_code("13800000000")):
        with ClusterRpcProxy(config, timeout=10) as own, pytest.raises(UnknownService):
            call(own.dev)
    env = {**os.environ, "HPF_MODE": "production", "AMQP_URI": config["AMQP_URI"]}
    for args in (["captcha", "x"], ["sms", "13800000000"]):
        result = subprocess.run([sys.executable, "-m", "hpf.cli", "dev", *args], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode != 0 and "仅开发模式" in result.stderr
    time.sleep(1)  # time enough for an event to arrive, had one been sent
    assert heard["dev_captcha_issued"] == 0
