"""Money (Decimal, policy rounding) and months (YYYYMM, HPF year)."""
from datetime import date
from decimal import Decimal

import pytest

from shared.money import MoneyError, money_str, round_money, to_money
from shared.months import (MonthError, add_months, hpf_year_of, hpf_year_of_month, hpf_year_months,
                           next_month, previous_month)


def test_round_to_yuan_half_up():
    assert round_money(Decimal("647.50"), "yuan", "half_up") == Decimal("648.00")
    assert round_money(Decimal("647.49"), "yuan", "half_up") == Decimal("647.00")


def test_round_to_fen_half_up():
    assert round_money(Decimal("647.125"), "fen", "half_up") == Decimal("647.13")


def test_unknown_rounding_policy_is_an_error():
    with pytest.raises(ValueError):
        round_money(Decimal("1"), "jiao", "half_up")


def test_money_never_from_float():
    with pytest.raises(TypeError):
        to_money(1.5)


def test_money_parsing():
    assert to_money("5,000.5") == Decimal("5000.5")
    with pytest.raises(MoneyError, match="2位小数"):
        to_money("1.005")
    with pytest.raises(MoneyError):
        to_money("abc")
    with pytest.raises(MoneyError):
        to_money("NaN")
    for odd in ("1E+30", "5e3", "99999999999999"):
        with pytest.raises(MoneyError):
            to_money(odd)
    assert money_str(Decimal("3")) == "3.00"


def test_month_arithmetic():
    assert next_month("202612") == "202701"
    assert previous_month("202601") == "202512"
    assert add_months("202607", 11) == "202706"
    with pytest.raises(MonthError):
        next_month("202613")


def test_hpf_year_runs_july_to_june():
    assert hpf_year_of_month("202607") == 2026
    assert hpf_year_of_month("202706") == 2026
    assert hpf_year_of_month("202606") == 2025
    assert hpf_year_of(date(2026, 11, 27)) == 2026
    assert hpf_year_months(2026)[0] == "202607" and hpf_year_months(2026)[-1] == "202706"
