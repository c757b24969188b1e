"""Auth end to end over HTTP against the whole system (F1.1, F1.2): the `hpf dev` path, the full
login flow, lockout, reset by SMS code, revocation surviving a gateway restart, bad input."""
import time

from tests.e2e.helpers import PASSWORD, Api, employer_session, hpf, login, register, with_captcha
from tests.factories import login_of


def dev(system, *args):
    result = hpf(system, "dev", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_f1_1_full_flow_with_hpf_dev_captcha(system, api):
    data, unit_account, initial = register(system, "认证流程甲公司")
    captcha = api.get("/api/v1/auth/captcha").json()
    form = {**login_of(data, unit_account, initial), "captcha_id": captcha["captcha_id"],
            "captcha_answer": dev(system, "captcha", captcha["captcha_id"])}
    first = api.post("/api/v1/auth/login", json=form)
    assert first.status_code == 200 and first.json()["must_change_password"] is True
    assert api.post("/api/v1/auth/login", json=form).json()["error"]["code"] == "CAPTCHA_INVALID"
    api.token = first.json()["token"]
    assert api.get("/api/v1/employer").status_code == 403
    assert api.post("/api/v1/auth/password", json={"old_password": initial, "new_password": PASSWORD}).status_code == 204
    assert api.get("/api/v1/employer").status_code == 401  # the change ended that session
    second = login(system, api, data, unit_account, PASSWORD)
    assert second.json()["must_change_password"] is False
    api.token = second.json()["token"]
    assert api.get("/api/v1/employer").status_code == 200
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert api.get("/api/v1/employer").status_code == 401


def test_f1_1_five_failures_lock_with_the_end_stated(system, api):
    data, unit_account, initial = register(system, "认证锁定乙公司")
    codes = [login(system, api, data, unit_account, "Wrong12345").json()["error"]["code"] for _ in range(5)]
    assert codes == ["LOGIN_FAILED"] * 4 + ["ACCOUNT_LOCKED"]
    locked = login(system, api, data, unit_account, initial)
    assert locked.status_code == 423 and "锁定" in locked.json()["error"]["message"]


def test_hpf_centre_issue_password_gives_a_new_initial_password(system, api):
    data, unit_account, initial = register(system, "认证补发丁公司")
    result = hpf(system, "centre", "issue-password", unit_account)
    assert result.returncode == 0, result.stderr
    issued = result.stdout.split("初始密码: ")[1].split()[0]
    assert login(system, api, data, unit_account, initial).status_code == 401
    assert login(system, api, data, unit_account, issued).json()["must_change_password"] is True
    unknown = hpf(system, "centre", "issue-password", "610199999999")
    assert unknown.returncode == 1 and "单位不存在" in unknown.stderr


def test_f1_2_reset_by_sms_code_with_hpf_dev_sms(system, api):
    data, unit_account, initial = register(system, "认证重置丙公司")
    clerk = data["clerks"][0]
    identity = {key: value for key, value in login_of(data, unit_account, "").items() if key != "password"}
    sent = api.post("/api/v1/auth/sms-code", json=with_captcha(system, api, identity))
    assert sent.status_code == 202 and "****" in sent.json()["mobile"]
    code = dev(system, "sms", clerk["mobile"])
    assert len(code) == 6 and code not in sent.text
    reset = {"unit_account": unit_account, "clerk_id_number": clerk["id_number"],
             "clerk_mobile": clerk["mobile"], "sms_code": code, "new_password": "Reset2026ok"}
    assert api.post("/api/v1/auth/password-reset", json=reset).status_code == 204
    assert login(system, api, data, unit_account, initial).status_code == 401
    assert login(system, api, data, unit_account, "Reset2026ok").json()["must_change_password"] is False


def test_f1_1_a_revoked_token_stays_refused_after_a_gateway_restart(system):
    api, _ = employer_session(system, "认证重启丁公司")
    token = api.token
    assert api.post("/api/v1/auth/logout").status_code == 204
    system.stop_service("gateway")
    system.start_service("gateway")
    deadline = time.monotonic() + 60
    while system.readiness()[0] != 200:
        assert time.monotonic() < deadline, "the gateway did not come back"
        time.sleep(0.5)
    assert Api(system.base_url, token).get("/api/v1/employer").status_code == 401


def test_f1_1_overlong_non_utf8_and_unstorable_fields_are_400(system, api):
    base = {"unit_account": "610100000001", "unit_name": "某公司", "clerk_name": "某", "clerk_id_number": "1",
            "clerk_mobile": "1", "password": "x", "captcha_id": "x", "captcha_answer": "x"}
    for changes in ({"unit_name": "长" * 5000}, {"password": "p" * 100_000}, {"clerk_name": "\ud800"},
                    {"unit_account": "6101\u0000"}, {"captcha_answer": 12345}):
        response = api.post("/api/v1/auth/login", json={**base, **changes})
        assert response.status_code == 400, (changes, response.text)
    response = api.post("/api/v1/auth/login", data='{"unit_name": "\xff"}'.encode("latin-1"),
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "BAD_JSON"
    assert api.get("/api/v1/auth/captcha").status_code == 200
