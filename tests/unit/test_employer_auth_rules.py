"""Employer rules (rates from policy) and password rules (F1.2)."""
from decimal import Decimal

import pytest

from services.auth.passwords import generate_initial_password
from services.auth.rules import check_new_password
from services.employer.rules import check_rates, unit_account_for
from shared.errors import BusinessError

POLICY = {"rate_min": "0.05", "rate_max": "0.12"}
LENGTHS = {"min_length": 8, "max_length": 64}


def test_rates_within_policy():
    check_rates(Decimal("0.05"), Decimal("0.12"), POLICY)
    with pytest.raises(BusinessError) as err:
        check_rates(Decimal("0.13"), Decimal("0.04"), POLICY)
    assert err.value.code == "RATE_OUT_OF_RANGE"
    assert [d["field"] for d in err.value.details] == ["employer_rate", "employee_rate"]
    assert "5%至12%" in err.value.details[0]["message"]


def test_unit_account_is_prefixed_sequence():
    assert unit_account_for("6101", 42) == "610100000042"


@pytest.mark.parametrize("password, reason", [
    ("abc123", "长度"), ("abcdefgh", "字母和数字"), ("12345678", "字母和数字"),
    ("x610100000001", "单位账号"), ("a11010519491231002X", "证件号码"),
])
def test_weak_passwords_refused(password, reason):
    with pytest.raises(BusinessError, match=reason):
        check_new_password(password, unit_account="610100000001", id_numbers=["11010519491231002X"], **LENGTHS)


def test_good_password_and_generated_initial_password_pass():
    check_new_password("Hall2026ok", unit_account="610100000001", id_numbers=[], **LENGTHS)
    for _ in range(20):
        check_new_password(generate_initial_password(10), unit_account="610100000001", id_numbers=[], **LENGTHS)


def test_password_lengths_are_the_ones_given():
    with pytest.raises(BusinessError, match="12至20位"):
        check_new_password("Hall2026ok", unit_account="610100000001", min_length=12, max_length=20)
