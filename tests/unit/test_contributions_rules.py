"""Policy and monthly amount rules (domain facts; F12.1 relies on them)."""
from decimal import Decimal

import pytest

from services.contributions.rules import monthly_amount, monthly_cap, parse_policy
from shared.config import load_config


def policy(**overrides):
    seed = {"year": 2026, "base_floor": "2160.00", "base_cap": "27000.00", "rate_min": "0.05",
            "rate_max": "0.12", "rounding_unit": "yuan", "rounding_mode": "half_up",
            "interest_rate": "0.015"}
    seed.update(overrides)
    return parse_policy(seed)


def test_each_part_rounded_separately_to_yuan():
    # 5396.25 × 12% = 647.55 → 648; × 7% = 377.7375 → 378
    assert monthly_amount(Decimal("5396.25"), Decimal("0.12"), Decimal("0.07"), policy()) == (
        Decimal("648.00"), Decimal("378.00"), Decimal("1026.00"))


def test_rounding_to_fen_is_policy():
    result = monthly_amount(Decimal("5396.25"), Decimal("0.12"), Decimal("0.07"),
                            policy(rounding_unit="fen"))
    assert result == (Decimal("647.55"), Decimal("377.74"), Decimal("1025.29"))


def test_monthly_cap():
    assert monthly_cap(policy()) == Decimal("6480.00")


def test_bad_policy_refused():
    with pytest.raises(ValueError):
        policy(base_floor="30000.00")
    with pytest.raises(ValueError):
        policy(rounding_unit="jiao")


def test_configured_seed_parses_as_decimal():
    for seed in load_config(environ={})["POLICY_SEED"]:
        parsed = parse_policy(seed)
        assert isinstance(parsed["base_cap"], Decimal)
