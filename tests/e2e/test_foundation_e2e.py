"""One path end to end: register by `hpf centre`, log in over HTTP, read the employer (F1.1, F7.1)."""
import time

import jwt

from tests.e2e.helpers import employer_session, hpf
from tests.factories import mobile, resident_id


def test_register_login_and_read_own_employer(system):
    api, unit_account = employer_session(system, "端到端甲公司")
    response = api.get("/api/v1/employer")
    assert response.status_code == 200
    body = response.json()
    assert body["unit_account"] == unit_account and body["name"] == "端到端甲公司"
    assert response.headers["X-Request-Id"]


def test_another_employers_token_never_sees_it(system):
    api_a, account_a = employer_session(system, "端到端乙公司")
    api_b, account_b = employer_session(system, "端到端丙公司")
    assert api_b.get("/api/v1/employer").json()["unit_account"] == account_b
    # the employer is always the one in the token; a query naming another is ignored
    assert api_b.get(f"/api/v1/employer?unit_account={account_a}").json()["unit_account"] == account_b


def test_bad_tokens_are_401(system, api):
    assert api.get("/api/v1/employer").status_code == 401
    api.token = "not-a-token"
    assert api.get("/api/v1/employer").status_code == 401
    forged = jwt.encode({"sub": "1", "emp": "610100000001", "jti": "x", "iat": int(time.time()),
                         "exp": int(time.time()) + 600}, "another-key-" * 4, algorithm="HS256")
    api.token = forged
    body = api.get("/api/v1/employer").json()
    assert body["error"]["code"] == "UNAUTHORIZED" and body["error"]["message"]


def test_bad_input_is_400_in_chinese_never_500(system, api):
    response = api.post("/api/v1/auth/login", data=b"\xff\xfe not json",
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "BAD_JSON"
    response = api.post("/api/v1/auth/login", json={"unit_account": "x" * 5000})
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert any(d["message"] == "必填项不能为空" for d in details)
    assert api.get("/api/v1/nowhere").status_code == 404


def test_unstorable_characters_in_the_path_or_query_are_400(system):
    api, _ = employer_session(system, "端到端丁公司")
    for path in ("/api/v1/tasks/%00", "/api/v1/members?name=%00", "/api/v1/members/61%00"):
        response = api.get(path)
        assert response.status_code == 400 and response.json()["error"]["code"] == "BAD_REQUEST", path


def test_openapi_document_lists_routes(system, api):
    doc = api.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/employer" in doc["paths"] and "/api/v1/auth/login" in doc["paths"]
    assert "EmployerOut" in doc["components"]["schemas"]


def test_readyz_names_a_stopped_service_within_5s_and_recovers(system, api):
    assert api.get("/readyz").json()["services"] == {name: "ok" for name in
                                                     ("auth", "employer", "accounts", "contributions", "progress")}
    system.stop_service("accounts")
    try:
        started = time.monotonic()
        response = api.get("/readyz")
        assert time.monotonic() - started < 5
        assert response.status_code == 503
        assert response.json()["down"] == ["accounts"]
    finally:
        system.start_service("accounts")
    deadline = time.monotonic() + 60
    while api.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "accounts did not come back"
        time.sleep(0.5)


def test_register_with_bad_credit_code_fails_clearly(system):
    result = hpf(system, "centre", "register-employer", "--name", "坏代码公司", "--uscc", "91350100M000100Y44",
                 "--clerk-name", "周", "--clerk-id", resident_id(), "--clerk-mobile", mobile())
    assert result.returncode == 1
    assert "校验位" in result.stderr


def test_healthz(system, api):
    assert api.get("/healthz").json() == {"status": "ok"}


def test_voucher_code_check(system, api):
    from shared.pdf import voucher_code
    code = voucher_code(system.config["VOUCHERS"]["secret"], "opening", "KH1", "610100000001")
    query = {"kind": "opening", "number": "KH1", "unit_account": "610100000001"}
    assert api.get("/api/v1/vouchers/verify", params={**query, "code": code}).json() == {"valid": True}
    assert api.get("/api/v1/vouchers/verify", params={**query, "code": "0000-0000-0000-0000"}).json() == {"valid": False}
    assert api.get("/api/v1/vouchers/verify").json() == {"valid": False}
