"""Business errors across RPC, session tokens, the task contract's pure parts."""
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from nameko.exceptions import deserialize, serialize

from shared.errors import BusinessError, not_found
from shared.schemas import Money, StrictSchema, load
from shared.tasks import (FAILED, PARTIAL, RUNNING, SUCCEEDED, Task, TaskSnapshotSchema,
                          final_status, report_step)
from shared import tokens as tokens_module
from shared.tokens import (TokenError, VerifiedTokens, check_production_secrets, check_secret,
                           issue_token, verify_token)

SECRET = "s" * 40


def test_business_error_survives_rpc_serialization():
    original = BusinessError("AGE_OUT_OF_RANGE", "职工年龄超出网上办理范围，请至中心柜台办理",
                             [{"row": 3, "column": "证件号码", "message": "超龄"}], 422)
    again = deserialize(serialize(original))
    assert isinstance(again, BusinessError)
    assert (again.code, again.message, again.details, again.status) == (
        original.code, original.message, original.details, 422)


def test_not_found_is_404():
    assert not_found("职工").status == 404


def test_validation_messages_are_chinese():
    class S(StrictSchema):
        from marshmallow import fields
        name = fields.String(required=True)
        base = Money(required=True)

    with pytest.raises(BusinessError) as err:
        load(S(), {"base": 1.5, "extra": 1})
    fields_ = {d["field"]: d["message"] for d in err.value.details}
    assert fields_["name"] == "必填项不能为空"
    assert "字符串" in fields_["base"]
    assert fields_["extra"] == "不允许的字段"


def test_token_round_trip_and_claims():
    token, claims = issue_token(SECRET, employer_id="610100000001", clerk_id=7, minutes=30)
    decoded = verify_token(SECRET, token)
    assert decoded["emp"] == "610100000001" and decoded["sub"] == "7"
    assert decoded["exp"] - decoded["iat"] == 30 * 60 and decoded["jti"] == claims["jti"]


def test_expired_token_refused():
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    token, _ = issue_token(SECRET, employer_id="e", clerk_id=1, minutes=30, now=past)
    with pytest.raises(TokenError):
        verify_token(SECRET, token)


def test_alg_none_and_other_key_refused():
    unsigned = jwt.encode({"sub": "1", "emp": "e", "jti": "j", "iat": int(time.time()),
                           "exp": int(time.time()) + 60}, key=None, algorithm="none")
    with pytest.raises(TokenError):
        verify_token(SECRET, unsigned)
    token, _ = issue_token("o" * 40, employer_id="e", clerk_id=1, minutes=30)
    with pytest.raises(TokenError):
        verify_token(SECRET, token)


def test_remembered_token_is_still_refused_once_expired(monkeypatch):
    verified = VerifiedTokens(SECRET)
    token, claims = issue_token(SECRET, employer_id="610100000001", clerk_id=7, minutes=30)
    assert verified.verify(token)["emp"] == "610100000001"
    assert token in verified.claims
    monkeypatch.setattr(tokens_module.time, "time", lambda: claims["exp"])  # PyJWT: expired from exp on
    with pytest.raises(TokenError):
        verified.verify(token)
    assert token not in verified.claims


def test_remembered_tokens_answer_only_for_their_exact_text():
    verified = VerifiedTokens(SECRET)
    mine, _ = issue_token(SECRET, employer_id="610100000001", clerk_id=7, minutes=30)
    theirs, _ = issue_token(SECRET, employer_id="610100000002", clerk_id=8, minutes=30)
    assert verified.verify(mine)["emp"] == "610100000001"
    assert verified.verify(theirs)["emp"] == "610100000002"
    assert verified.verify(mine)["emp"] == "610100000001"
    header, payload, signature = mine.split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b"610100000001", b"610100000002")).decode()
    for altered in (f"{header}.{forged_payload}.{signature}", mine + "x", mine[:-2]):
        with pytest.raises(TokenError):
            verified.verify(altered)
    other_key, _ = issue_token("o" * 40, employer_id="610100000001", clerk_id=7, minutes=30)
    with pytest.raises(TokenError):
        verified.verify(other_key)


def test_remembered_claims_cannot_be_changed_by_a_caller_and_are_bounded():
    verified = VerifiedTokens(SECRET, size=2)
    first, _ = issue_token(SECRET, employer_id="610100000001", clerk_id=7, minutes=30)
    verified.verify(first)["emp"] = "610100000009"
    assert verified.verify(first)["emp"] == "610100000001"
    for n in range(3):
        verified.verify(issue_token(SECRET, employer_id=f"61010000000{n}", clerk_id=n, minutes=30)[0])
    assert len(verified.claims) == 2 and first not in verified.claims


def test_production_refuses_default_or_short_secret():
    check_secret("dev-only-secret", "dev")
    for bad in ("", "dev-only-" + "x" * 40, "short"):
        with pytest.raises(RuntimeError):
            check_secret(bad, "production")
    check_secret("x" * 40, "production")


def test_an_unknown_mode_never_falls_back_to_the_development_secret():
    for mode in ("prod", "Production", ""):
        with pytest.raises(RuntimeError, match="HPF_MODE"):
            check_secret("x" * 40, mode)


def test_production_checks_the_voucher_secret_too():
    config = {"HPF_MODE": "production", "AUTH": {"jwt_secret": "j" * 40},
              "VOUCHERS": {"secret": "dev-only-voucher-secret-change-me"}}
    with pytest.raises(RuntimeError, match="HPF_VOUCHER_SECRET"):
        check_production_secrets(config)
    check_production_secrets({**config, "VOUCHERS": {"secret": "v" * 40}})


def test_report_step_keeps_snapshots_few_and_steady():
    assert report_step(10) == 500              # a small batch in one step
    assert report_step(10_000) == 500          # every 500 rows
    assert report_step(50_000) == 1_000        # or every 2%, when that is more
    assert 10_000 // report_step(10_000) <= 100  # a 10,000-row batch: at most ~100 snapshots


def test_final_status():
    assert final_status(10, 0) == SUCCEEDED
    assert final_status(10, 3) == PARTIAL
    assert final_status(10, 10) == FAILED


def test_errors_travel_only_on_final_snapshot():
    task = Task("t1", "610100000001", "accounts", "open_accounts", total=2)
    task.errors = [{"row": 2, "column": "证件号码", "message": "重复"}]
    task.start()
    assert task.status == RUNNING and task.snapshot()["errors"] == []
    task.failed = 1
    task.finish()
    snapshot = TaskSnapshotSchema().load({**task.snapshot(), "seq": 1})
    assert snapshot["status"] == PARTIAL and snapshot["errors"][0]["row"] == 2


def test_date_range_query_is_ordered():
    from datetime import date
    from shared.schemas import DateRangeSchema
    assert load(DateRangeSchema(), {"start": "2026-01-01", "end": "2026-01-01"}) == {
        "start": date(2026, 1, 1), "end": date(2026, 1, 1)}
    assert load(DateRangeSchema(), {}) == {"start": None, "end": None}
    with pytest.raises(BusinessError) as err:
        load(DateRangeSchema(), {"start": "2026-01-02", "end": "2026-01-01"})
    assert err.value.details == [{"field": "start", "message": "开始日期不能晚于结束日期"}]
