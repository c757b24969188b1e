"""Gateway sessions: bad tokens are 401, a revoked one is refused by every replica within a second
(F1.1, F1.2). A restarted gateway is checked end to end (tests/e2e/test_auth_e2e.py)."""
from datetime import datetime, timedelta, timezone

import jwt
import pytest
import requests

from hpf.dev import DevService, ask
from services.auth.service import AuthService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from services.gateway.service import GatewayService
from shared.tokens import issue_token, verify_token
from tests.e2e.helpers import free_port
from tests.factories import employer_data, login_of
from tests.waiting import wait_for


@pytest.fixture(scope="module")
def gateways(start_service):
    for cls in (AuthService, EmployerService, ContributionsService, DevService):
        start_service(cls)
    addresses = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    for address in addresses:
        start_service(GatewayService, WEB_SERVER_ADDRESS=address)
    return [f"http://{address}" for address in addresses]


@pytest.fixture(scope="module")
def behind_a_proxy(start_service, gateways, config):
    """A gateway that trusts the proxy at 127.0.0.1 (where these requests come from)."""
    address = f"127.0.0.1:{free_port()}"
    start_service(GatewayService, WEB_SERVER_ADDRESS=address,
                  GATEWAY={**config["GATEWAY"], "trusted_proxies": "127.0.0.1"})
    return f"http://{address}"


def call(base, token, path="/api/v1/employer"):
    return requests.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)


@pytest.fixture(scope="module")
def employer(rpc, gateways):
    return registered_employer(rpc, gateways[0])


def registered_employer(rpc, base):
    """A registered employer whose initial password has been changed to a known one."""
    data = employer_data()
    unit_account = rpc.employer.register_employer(data)["unit_account"]
    initial = rpc.auth.issue_initial_password(unit_account)["initial_password"]
    first = http_login(rpc, base, data, unit_account, initial)
    response = requests.post(base + "/api/v1/auth/password", timeout=10,
                             headers={"Authorization": f"Bearer {first}"},
                             json={"old_password": initial, "new_password": "Hall2026ok"})
    assert response.status_code == 204, response.text
    return data, unit_account


def http_login(rpc, base, data, unit_account, password="Hall2026ok", headers=None):
    captcha = requests.get(base + "/api/v1/auth/captcha", timeout=10).json()
    form = {**login_of(data, unit_account, password), "captcha_id": captcha["captcha_id"],
            "captcha_answer": ask(rpc, "captcha_answer", captcha["captcha_id"])}
    response = requests.post(base + "/api/v1/auth/login", json=form, timeout=10, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def test_f1_1_tampered_none_foreign_and_expired_tokens_are_401(rpc, gateways, employer, config):
    base = gateways[0]
    token = http_login(rpc, base, *employer)
    assert call(base, token).status_code == 200
    claims = verify_token(config["AUTH"]["jwt_secret"], token)
    header, payload, signature = token.split(".")
    tampered = jwt.encode({**claims, "emp": "619999999999"}, "x" * 40, algorithm="HS256").split(".")[1]
    none = jwt.encode(claims, None, algorithm="none")
    foreign = jwt.encode(claims, "another-key-" * 4, algorithm="HS256")
    expired, _ = issue_token(config["AUTH"]["jwt_secret"], employer_id=claims["emp"], clerk_id=claims["sub"],
                             minutes=30, now=datetime.now(timezone.utc) - timedelta(minutes=31))
    for bad in (f"{header}.{tampered}.{signature}", none, foreign, expired, token[:-2]):
        response = call(base, bad)
        assert response.status_code == 401 and response.json()["error"]["code"] == "UNAUTHORIZED", bad


def test_f1_1_logout_reaches_every_replica_within_a_second(rpc, gateways, employer):
    token = http_login(rpc, gateways[0], *employer)
    other = http_login(rpc, gateways[1], *employer)
    assert all(call(base, token).status_code == 200 for base in gateways)
    response = requests.post(gateways[0] + "/api/v1/auth/logout", timeout=10,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    wait_for(lambda: all(call(base, token).status_code == 401 for base in gateways), timeout=1)
    assert call(gateways[1], other).status_code == 200  # only that session ended


def test_f1_2_password_change_ends_every_session_on_every_replica(rpc, gateways, employer):
    data, unit_account = employer
    tokens = [http_login(rpc, base, data, unit_account) for base in gateways]
    response = requests.post(gateways[1] + "/api/v1/auth/password", timeout=10,
                             headers={"Authorization": f"Bearer {tokens[0]}"},
                             json={"old_password": "Hall2026ok", "new_password": "Hall2027ok"})
    assert response.status_code == 204, response.text
    wait_for(lambda: all(call(base, token).status_code == 401 for base in gateways for token in tokens),
             timeout=1)
    fresh = http_login(rpc, gateways[0], data, unit_account, "Hall2027ok")
    assert all(call(base, fresh).status_code == 200 for base in gateways)


def test_f1_1_the_address_auth_sees_is_the_peer_unless_a_trusted_proxy_names_the_client(
        rpc, gateways, behind_a_proxy):
    data, unit_account = registered_employer(rpc, gateways[0])
    forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}  # the first part written by the client
    for base in (gateways[0], behind_a_proxy):
        http_login(rpc, base, data, unit_account, headers=forwarded)
    sources = [event["source"] for event in rpc.auth.audit_log(unit_account) if event["kind"] == "login_succeeded"]
    assert sources[:2] == ["203.0.113.9", "127.0.0.1"]  # newest first: behind the proxy, then direct
