"""Auth service: captcha, login, lockout, throttling, SMS reset, password change, sessions, audit (F1.1, F1.2)."""
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text
from sqlalchemy.orm import Session

from hpf.dev import DevService, ask
from services.auth import passwords, rules, store
from services.auth.service import AuthService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.errors import BusinessError
from shared.tokens import verify_token
from tests.factories import employer_data, login_of, mobile, resident_id
from tests.waiting import wait_for


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    for cls in (AuthService, EmployerService, ContributionsService, DevService):
        start_service(cls)


@pytest.fixture(scope="module")
def auth_db(db_engine):
    return db_engine("auth")


def register(rpc):
    data = employer_data()
    employer = rpc.employer.register_employer(data)
    issued = rpc.auth.issue_initial_password(employer["unit_account"])
    return data, employer["unit_account"], issued["initial_password"]


@pytest.fixture
def registered(rpc):
    return register(rpc)


@pytest.fixture
def secret(config):
    return config["AUTH"]["jwt_secret"]


def captcha(rpc):
    issued = rpc.auth.new_captcha()
    return {"captcha_id": issued["captcha_id"], "captcha_answer": ask(rpc, "captcha_answer", issued["captcha_id"])}


def login(rpc, data, unit_account, pw, source=None, **changes):
    return rpc.auth.login({**login_of(data, unit_account, pw), **captcha(rpc), **changes}, source)


def refused(call, *args, **kwargs):
    with pytest.raises(BusinessError) as err:
        call(*args, **kwargs)
    return err.value


def audit_kinds(rpc, unit_account):
    return [event["kind"] for event in rpc.auth.audit_log(unit_account)]


def test_f1_1_captcha_is_a_png_stored_hashed(rpc, auth_db):
    import base64
    issued = rpc.auth.new_captcha()
    assert base64.b64decode(issued["image_png_base64"]).startswith(b"\x89PNG")
    answer = ask(rpc, "captcha_answer", issued["captcha_id"])
    assert 4 <= len(answer) <= 5
    with auth_db.connect() as conn:
        stored = conn.execute(text("select answer_hash from captchas where id = :id"),
                              {"id": issued["captcha_id"]}).scalar_one()
    assert answer not in stored and len(stored) == 64


def test_f1_1_initial_login_must_change_password(rpc, config, registered):
    data, unit_account, password = registered
    session = login(rpc, data, unit_account, password)
    assert session["must_change_password"] is True
    claims = verify_token(config["AUTH"]["jwt_secret"], session["token"])
    assert claims["emp"] == unit_account and claims["pwc"] is True and claims["jti"]
    assert claims["exp"] - claims["iat"] == 30 * 60


def test_f1_1_captcha_answer_is_case_insensitive(rpc, registered):
    data, unit_account, password = registered
    issued = captcha(rpc)
    issued["captcha_answer"] = issued["captcha_answer"].lower()
    assert login(rpc, data, unit_account, password, **issued)["token"]


def test_f1_1_missing_wrong_reused_or_expired_captcha_is_refused(rpc, registered, auth_db):
    data, unit_account, password = registered
    good = login_of(data, unit_account, password)
    assert refused(rpc.auth.login, good).code == "VALIDATION_ERROR"  # no captcha at all
    used = captcha(rpc)
    rpc.auth.login({**good, **used})
    assert refused(rpc.auth.login, {**good, **used}).code == "CAPTCHA_INVALID"  # reused
    wrong = captcha(rpc)
    assert refused(rpc.auth.login, {**good, **wrong, "captcha_answer": "ZZZZ9"}).code == "CAPTCHA_INVALID"
    # a wrong answer used the captcha up: the right one no longer works
    assert refused(rpc.auth.login, {**good, **wrong, "captcha_answer": wrong["captcha_answer"]}).code \
        == "CAPTCHA_INVALID"
    stale = captcha(rpc)
    with auth_db.begin() as conn:
        conn.execute(text("update captchas set expires_at = :past where id = :id"),
                     {"past": datetime.now(timezone.utc) - timedelta(seconds=1), "id": stale["captcha_id"]})
    assert refused(rpc.auth.login, {**good, **stale}).code == "CAPTCHA_INVALID"
    assert "login_failed" in audit_kinds(rpc, unit_account)


def test_f1_1_every_mismatch_gets_the_same_message(rpc, registered):
    data, unit_account, password = registered
    messages = set()
    for field, wrong in (("password", "Wrong12345"), ("clerk_name", "别人"), ("unit_name", "别的公司"),
                         ("clerk_id_number", resident_id()), ("clerk_mobile", "13000000000")):
        err = refused(login, rpc, data, unit_account, password, None, **{field: wrong})
        assert err.status == 401 and err.code == "LOGIN_FAILED"
        messages.add(err.message)
    err = refused(login, rpc, data, "610199999999", password)
    assert err.status == 401
    messages.add(err.message)
    assert len(messages) == 1


def test_f1_1_five_failures_lock_the_clerk_and_a_success_resets(rpc, registered):
    data, unit_account, password = registered
    for _ in range(4):
        assert refused(login, rpc, data, unit_account, "Wrong12345").code == "LOGIN_FAILED"
    login(rpc, data, unit_account, password)  # a success starts the count again
    for _ in range(4):
        assert refused(login, rpc, data, unit_account, "Wrong12345").code == "LOGIN_FAILED"
    started = datetime.now(timezone.utc)
    locked = refused(login, rpc, data, unit_account, "Wrong12345")
    assert locked.code == "ACCOUNT_LOCKED" and locked.status == 423 and "锁定" in locked.message
    until = datetime.fromisoformat(locked.details[0]["message"])
    assert timedelta(minutes=14) < until - started <= timedelta(minutes=15, seconds=5)
    # the right password does not help while locked, and the lock's end is stated
    err = refused(login, rpc, data, unit_account, password)
    assert err.code == "ACCOUNT_LOCKED" and err.details == locked.details
    kinds = audit_kinds(rpc, unit_account)
    assert "account_locked" in kinds and "login_refused_locked" in kinds and "login_succeeded" in kinds
    # the centre's new initial password lifts the lock
    initial = rpc.auth.issue_initial_password(unit_account)["initial_password"]
    assert login(rpc, data, unit_account, initial)["must_change_password"] is True


def in_parallel(config, call, forms):
    """Each form sent at once, each by its own client: the codes of the errors (or "ok")."""
    def one(form):
        with ClusterRpcProxy(config, timeout=60) as client:
            try:
                call(client, form)
                return "ok"
            except BusinessError as exc:
                return exc.code

    pile = eventlet.GreenPile()
    for form in forms:
        pile.spawn(one, form)
    return list(pile)


def test_f1_1_parallel_failures_check_no_more_passwords_than_the_lockout_allows(rpc, config, registered):
    data, unit_account, _ = registered
    assert refused(login, rpc, data, unit_account, "Wrong12345").code == "LOGIN_FAILED"  # the counter exists
    forms = [{**login_of(data, unit_account, "Wrong12345"), **captcha(rpc)} for _ in range(15)]
    codes = in_parallel(config, lambda client, form: client.auth.login(form), forms)
    assert sorted(codes) == ["ACCOUNT_LOCKED"] * 12 + ["LOGIN_FAILED"] * 3


def test_two_first_uses_of_a_counter_at_once_do_not_collide(auth_db):
    key, now = uuid.uuid4().hex, datetime.now(timezone.utc)
    limit = rules.Limit(max_failures=30, block=timedelta(minutes=15))
    with Session(auth_db) as first, Session(auth_db) as second:
        rules.record_failure(store.counter(first, "address", key, now), limit, now)
        first.flush()  # created, not committed: the second waits for it

        def second_use():
            rules.record_failure(store.counter(second, "address", key, now), limit, now)
            second.commit()

        waiting = eventlet.spawn(second_use)
        eventlet.sleep(0.3)
        first.commit()
        waiting.wait()
    with auth_db.connect() as conn:
        assert conn.execute(text("select failures from attempt_counters where key = :k"), {"k": key}).scalar() == 2


def test_f1_1_many_accounts_from_one_address_throttle_the_address(rpc, registered, config):
    data, unit_account, password = registered
    address = "10.77.0.1"
    limit = config["AUTH"]["address_throttle"]["max_failures"]
    for n in range(limit):
        err = refused(login, rpc, data, f"6101{n:08d}9"[:12], "Wrong12345", address)
        assert err.code == "LOGIN_FAILED"
    err = refused(login, rpc, data, unit_account, password, address)
    assert err.code == "TOO_MANY_ATTEMPTS" and err.status == 429
    assert login(rpc, data, unit_account, password, "10.77.0.2")["token"]  # another address is not


def test_f1_1_audit_records_time_unit_clerk_and_address(rpc, registered):
    data, unit_account, password = registered
    login(rpc, data, unit_account, password, "192.0.2.7")
    event = rpc.auth.audit_log(unit_account)[0]
    assert event["kind"] == "login_succeeded" and event["source"] == "192.0.2.7"
    assert event["clerk_id_number"] == data["clerks"][0]["id_number"] and event["clerk_id"]
    assert datetime.fromisoformat(event["at"]) > datetime.now(timezone.utc) - timedelta(minutes=1)


def test_f1_2_change_password_rules_and_sessions_revoked(rpc, registered, secret):
    data, unit_account, password = registered
    session = login(rpc, data, unit_account, password)
    claims = verify_token(secret, session["token"])
    jti, clerk_id = claims["jti"], claims["sub"]
    err = refused(rpc.auth.change_password, unit_account, clerk_id,
                  {"old_password": password, "new_password": "short1"})
    assert err.code == "WEAK_PASSWORD"
    err = refused(rpc.auth.change_password, unit_account, clerk_id,
                  {"old_password": password, "new_password": data["clerks"][0]["id_number"] + "a"})
    assert err.code == "WEAK_PASSWORD" and "证件号码" in err.message
    err = refused(rpc.auth.change_password, unit_account, clerk_id,
                  {"old_password": "Nope12345", "new_password": "Hall2026ok"})
    assert err.code == "WRONG_PASSWORD"
    rpc.auth.change_password(unit_account, clerk_id, {"old_password": password, "new_password": "Hall2026ok"})
    assert jti in [s["jti"] for s in rpc.auth.revoked_sessions()]
    assert login(rpc, data, unit_account, "Hall2026ok")["must_change_password"] is False
    assert refused(login, rpc, data, unit_account, password).code == "LOGIN_FAILED"
    assert "password_changed" in audit_kinds(rpc, unit_account)


def test_clerks_changed_at_the_counter_end_the_units_sessions(rpc, registered, secret):
    data, unit_account, password = registered
    jti = verify_token(secret, login(rpc, data, unit_account, password)["token"])["jti"]
    rpc.employer.counter_change_employer(unit_account, {"address": "陕西省西安市新城区东五路1号"}, "柜台")
    clerk = data["clerks"][0]
    rpc.employer.counter_change_employer(unit_account, {"clerks": [{**clerk, "mobile": mobile()}]}, "柜台")
    wait_for(lambda: jti in [s["jti"] for s in rpc.auth.revoked_sessions()])
    assert audit_kinds(rpc, unit_account).count("clerks_changed") == 1  # not for the address


def test_logout_revokes_only_that_session(rpc, registered, secret):
    data, unit_account, password = registered
    first, second = (verify_token(secret, login(rpc, data, unit_account, password)["token"])
                     for _ in range(2))
    rpc.auth.logout(unit_account, first["sub"], first["jti"])
    revoked = [s["jti"] for s in rpc.auth.revoked_sessions()]
    assert first["jti"] in revoked and second["jti"] not in revoked
    assert "logout" in audit_kinds(rpc, unit_account)


def test_login_rehashes_a_password_hashed_with_other_parameters(rpc, registered, auth_db):
    data, unit_account, password = registered
    old_hash = passwords.hasher(1, 8 * 1024, 1).hash(password)
    with auth_db.begin() as conn:
        conn.execute(text("update credentials set password_hash = :h where unit_account = :u"),
                     {"h": old_hash, "u": unit_account})
    login(rpc, data, unit_account, password)
    with auth_db.connect() as conn:
        new_hash = conn.execute(text("select password_hash from credentials where unit_account = :u"),
                                {"u": unit_account}).scalar_one()
    assert new_hash != old_hash and new_hash.startswith("$argon2id$") and "m=65536,t=3,p=4" in new_hash


def sms_form(data, unit_account, **changes):
    clerk = data["clerks"][0]
    return {"unit_account": unit_account, "unit_name": data["name"], "clerk_name": clerk["name"],
            "clerk_id_number": clerk["id_number"], "clerk_mobile": clerk["mobile"], **changes}


def reset_form(data, unit_account, code, new_password="Reset2026ok"):
    clerk = data["clerks"][0]
    return {"unit_account": unit_account, "clerk_id_number": clerk["id_number"],
            "clerk_mobile": clerk["mobile"], "sms_code": code, "new_password": new_password}


def test_f1_2_reset_by_sms_code_to_the_registered_mobile(rpc, registered, secret):
    data, unit_account, password = registered
    mobile = data["clerks"][0]["mobile"]
    session = verify_token(secret, login(rpc, data, unit_account, password)["token"])
    sent = rpc.auth.request_sms_code({**sms_form(data, unit_account), **captcha(rpc)})
    assert sent["mobile"] == mobile[:3] + "****" + mobile[-4:] and "code" not in str(sent)
    code = ask(rpc, "last_sms_code", mobile)
    assert len(code) == 6 and code.isdigit()
    # a second code within 60 seconds is refused
    err = refused(rpc.auth.request_sms_code, {**sms_form(data, unit_account), **captcha(rpc)})
    assert err.code == "SMS_TOO_FREQUENT" and err.status == 429
    wrong = "000000" if code != "000000" else "111111"
    assert refused(rpc.auth.reset_password, reset_form(data, unit_account, wrong)).code == "SMS_CODE_INVALID"
    err = refused(rpc.auth.reset_password, reset_form(data, unit_account, code, "weakpass"))
    assert err.code == "WEAK_PASSWORD"  # the code still stands for another try
    rpc.auth.reset_password(reset_form(data, unit_account, code))
    assert session["jti"] in [s["jti"] for s in rpc.auth.revoked_sessions()]
    assert refused(rpc.auth.reset_password, reset_form(data, unit_account, code)).code == "SMS_CODE_INVALID"
    assert login(rpc, data, unit_account, "Reset2026ok")["must_change_password"] is False
    kinds = audit_kinds(rpc, unit_account)
    assert "sms_code_sent" in kinds and "password_reset" in kinds and "password_reset_failed" in kinds


def test_f1_2_no_code_for_a_number_other_than_the_registered_one(rpc, registered):
    data, unit_account, _ = registered
    err = refused(rpc.auth.request_sms_code, {**sms_form(data, unit_account, clerk_mobile="13912345678"),
                                              **captcha(rpc)})
    assert err.code == "IDENTITY_MISMATCH"
    assert refused(rpc.auth.request_sms_code, sms_form(data, unit_account)).code == "VALIDATION_ERROR"


def test_f1_2_parallel_first_code_requests_send_one_code(rpc, config, registered):
    data, unit_account, _ = registered
    forms = [{**sms_form(data, unit_account), **captcha(rpc)} for _ in range(4)]
    codes = in_parallel(config, lambda client, form: client.auth.request_sms_code(form), forms)
    assert sorted(codes) == ["SMS_TOO_FREQUENT"] * 3 + ["ok"]


def test_f1_2_a_captcha_answers_once_even_when_the_request_fails_after_it(rpc, registered):
    data, unit_account, _ = registered
    rpc.auth.request_sms_code({**sms_form(data, unit_account), **captcha(rpc)})
    once = captcha(rpc)
    err = refused(rpc.auth.request_sms_code, {**sms_form(data, unit_account), **once})
    assert err.code == "SMS_TOO_FREQUENT"
    err = refused(rpc.auth.request_sms_code, {**sms_form(data, unit_account), **once})
    assert err.code == "CAPTCHA_INVALID"


def test_f1_2_a_code_allows_five_tries(rpc, registered):
    data, unit_account, _ = registered
    rpc.auth.request_sms_code({**sms_form(data, unit_account), **captcha(rpc)})
    code = wait_for(lambda: ask(rpc, "last_sms_code", data["clerks"][0]["mobile"]))
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert refused(rpc.auth.reset_password, reset_form(data, unit_account, wrong)).code == "SMS_CODE_INVALID"
    assert refused(rpc.auth.reset_password, reset_form(data, unit_account, code)).code == "SMS_CODE_INVALID"


def test_f1_2_an_expired_code_is_refused(rpc, registered, auth_db):
    data, unit_account, _ = registered
    rpc.auth.request_sms_code({**sms_form(data, unit_account), **captcha(rpc)})
    code = ask(rpc, "last_sms_code", data["clerks"][0]["mobile"])
    with auth_db.begin() as conn:
        conn.execute(text("update sms_codes set expires_at = :past where unit_account = :u"),
                     {"past": datetime.now(timezone.utc) - timedelta(seconds=1), "u": unit_account})
    assert refused(rpc.auth.reset_password, reset_form(data, unit_account, code)).code == "SMS_CODE_INVALID"


def test_initial_password_for_unknown_employer_refused(rpc):
    err = refused(rpc.auth.issue_initial_password, "610199999999")
    assert err.status == 404
