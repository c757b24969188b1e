"""Employer rules: pure functions, no I/O."""
import re
from decimal import Decimal

from shared.errors import BusinessError

POSTAL_CODE = re.compile(r"\d{6}")
BANK_ACCOUNT = re.compile(r"\d{8,30}")


def unit_account_for(prefix, sequence):
    """单位账号: the centre's prefix and a zero-padded sequence number."""
    return f"{prefix}{sequence:08d}"


def percent(rate):
    return f"{(Decimal(rate) * 100).normalize():f}"


def check_rates(employer_rate: Decimal, employee_rate: Decimal, policy):
    low, high = Decimal(policy["rate_min"]), Decimal(policy["rate_max"])
    details = [
        {"field": name, "message": f"缴存比例须在{percent(low)}%至{percent(high)}%之间"}
        for name, rate in (("employer_rate", employer_rate), ("employee_rate", employee_rate))
        if not low <= rate <= high
    ]
    if details:
        raise BusinessError("RATE_OUT_OF_RANGE", "缴存比例超出政策允许范围", details)


def clerk_matches(clerk, *, name, id_number, mobile):
    return (clerk.name == name.strip() and clerk.id_number == id_number.strip().upper()
            and clerk.mobile == mobile.strip())
