"""Password rules: pure functions, no I/O."""
import re

from shared.errors import BusinessError

MIN_LENGTH = 8
MAX_LENGTH = 64


def check_new_password(password, *, unit_account, id_numbers=()):
    """At least 8 characters, letters and digits, containing neither the unit account nor an ID."""
    problems = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(f"密码长度须为{MIN_LENGTH}至{MAX_LENGTH}位")
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
