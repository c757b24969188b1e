"""Password rules, lockout and throttle counting: pure functions, no I/O."""
import re
from dataclasses import dataclass
from datetime import timedelta

from shared.errors import BusinessError


def check_new_password(password, *, unit_account, id_numbers=(), min_length, max_length):
    """Within the lengths, letters and digits, containing neither the unit account nor an ID."""
    problems = []
    if not min_length <= len(password) <= max_length:
        problems.append(f"密码长度须为{min_length}至{max_length}位")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        problems.append("密码须同时包含字母和数字")
    lowered = password.upper()
    if unit_account and unit_account.upper() in lowered:
        problems.append("密码不能包含单位账号")
    if any(number and number.upper() in lowered for number in id_numbers):
        problems.append("密码不能包含经办人证件号码")
    if problems:
        raise BusinessError("WEAK_PASSWORD", "新密码不符合要求：" + "；".join(problems),
                            [{"field": "new_password", "message": p} for p in problems])


@dataclass(frozen=True)
class Limit:
    """`max_failures` failures (within `window`, if any) block for `block`."""
    max_failures: int
    block: timedelta
    window: timedelta | None = None

    @classmethod
    def from_config(cls, section):
        window = section.get("window_minutes")
        return cls(int(section["max_failures"]), timedelta(minutes=int(section["block_minutes"])),
                   timedelta(minutes=int(window)) if window else None)


def blocked_until(counter, now):
    """The end of the counter's block, or None when it is not blocked."""
    if counter is not None and counter.blocked_until is not None and counter.blocked_until > now:
        return counter.blocked_until
    return None


def record_failure(counter, limit, now):
    """Count one failure on `counter` (fields failures, window_started_at, blocked_until).

    Returns the end of the block it starts, or None. A block, or an elapsed window, starts the count again.
    """
    fresh = (counter.failures is None
             or (counter.blocked_until is not None and counter.blocked_until <= now)
             or (limit.window is not None and now - counter.window_started_at >= limit.window))
    if fresh:
        counter.failures, counter.window_started_at, counter.blocked_until = 0, now, None
    counter.failures += 1
    if counter.failures < limit.max_failures:
        return None
    counter.failures, counter.blocked_until = 0, now + limit.block
    return counter.blocked_until


def clock(moment, zone):
    """A moment as a clerk reads it: the centre's time to the minute."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def check_resend(sent_at, now, resend_seconds):
    """A new SMS code at most every `resend_seconds`; the refusal says how long to wait."""
    left = sent_at + timedelta(seconds=resend_seconds) - now
    if left > timedelta(0):
        wait = int(left.total_seconds()) + 1
        raise BusinessError("SMS_TOO_FREQUENT", f"短信验证码发送过于频繁，请{wait}秒后再试",
                            [{"field": "retry_after_seconds", "message": str(wait)}], status=429)


def locked_error(until, zone):
    return BusinessError("ACCOUNT_LOCKED", f"登录失败次数过多，账户已锁定，请于{clock(until, zone)}后再试",
                         [{"field": "locked_until", "message": until.isoformat()}], status=423)


def throttled_error(until, zone):
    return BusinessError("TOO_MANY_ATTEMPTS", f"本地址尝试次数过多，请于{clock(until, zone)}后再试",
                         [{"field": "retry_after", "message": until.isoformat()}], status=429)


def normalise_answer(answer):
    """Captcha answers compare case-insensitively, ignoring surrounding spaces."""
    return (answer or "").strip().upper()
