"""Lockout and throttle counting, captcha and code material (F1.1, F1.2)."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from services.auth import challenges
from services.auth.rules import Limit, blocked_until, check_resend, clock, normalise_answer, record_failure
from shared.errors import BusinessError

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)
LOCKOUT = Limit.from_config({"max_failures": 5, "block_minutes": 15})
THROTTLE = Limit.from_config({"max_failures": 3, "window_minutes": 10, "block_minutes": 15})


def counter():
    return SimpleNamespace(failures=None, window_started_at=None, blocked_until=None)


def test_f1_1_fifth_failure_locks_for_fifteen_minutes():
    c = counter()
    assert [record_failure(c, LOCKOUT, NOW) for _ in range(4)] == [None] * 4
    assert record_failure(c, LOCKOUT, NOW) == NOW + timedelta(minutes=15)
    assert blocked_until(c, NOW + timedelta(minutes=14)) == NOW + timedelta(minutes=15)
    assert blocked_until(c, NOW + timedelta(minutes=15)) is None


def test_f1_1_after_a_lock_the_count_starts_again():
    c = counter()
    for _ in range(5):
        record_failure(c, LOCKOUT, NOW)
    later = NOW + timedelta(minutes=16)
    assert record_failure(c, LOCKOUT, later) is None and c.failures == 1 and c.blocked_until is None


def test_f1_1_address_failures_count_within_a_window():
    c = counter()
    record_failure(c, THROTTLE, NOW)
    record_failure(c, THROTTLE, NOW + timedelta(minutes=5))
    assert record_failure(c, THROTTLE, NOW + timedelta(minutes=11)) is None  # the window had passed
    assert c.failures == 1
    record_failure(c, THROTTLE, NOW + timedelta(minutes=12))
    assert record_failure(c, THROTTLE, NOW + timedelta(minutes=13)) == NOW + timedelta(minutes=28)


def test_f1_1_lock_end_is_told_in_beijing_time():
    assert clock(NOW, ZoneInfo("Asia/Shanghai")) == "2026-11-27 10:00"


def test_f1_1_captcha_material():
    answers = {challenges.new_captcha_answer(4, 5) for _ in range(200)}
    assert {len(a) for a in answers} == {4, 5}
    assert all(set(a) <= set(challenges.CAPTCHA_ALPHABET) for a in answers)
    assert normalise_answer(" ab3d ") == "AB3D"
    png = challenges.captcha_png("AB3D")
    assert png.startswith(b"\x89PNG") and png != challenges.captcha_png("AB3D")  # noise differs


def test_f1_2_codes_are_six_digits_and_stored_as_keyed_digests():
    codes = {challenges.new_sms_code() for _ in range(100)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 90
    stored = challenges.digest("secret-a", "123456")
    assert challenges.matches("secret-a", "123456", stored)
    assert not challenges.matches("secret-b", "123456", stored) and "123456" not in stored


def test_f1_2_a_new_sms_code_waits_for_the_resend_interval():
    check_resend(NOW - timedelta(seconds=60), NOW, 60)
    with pytest.raises(BusinessError) as err:
        check_resend(NOW - timedelta(seconds=20), NOW, 60)
    assert err.value.code == "SMS_TOO_FREQUENT" and err.value.details[0]["message"] == "41"


def test_f1_1_the_address_window_ends_exactly_at_its_length():
    inside, at_end = counter(), counter()
    for c, last in ((inside, timedelta(minutes=10) - timedelta(microseconds=1)), (at_end, timedelta(minutes=10))):
        record_failure(c, THROTTLE, NOW)
        record_failure(c, THROTTLE, NOW + timedelta(minutes=1))
        record_failure(c, THROTTLE, NOW + last)
    assert inside.blocked_until is not None  # the third failure within the window blocks
    assert at_end.blocked_until is None and at_end.failures == 1  # at the window's end the count starts again
