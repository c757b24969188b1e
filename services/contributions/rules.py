"""Contribution rules: pure functions, no I/O."""
from decimal import Decimal

from shared.money import ROUNDING_MODES, ROUNDING_UNITS, round_money

POLICY_MONEY = ("base_floor", "base_cap")
POLICY_RATES = ("rate_min", "rate_max", "interest_rate")


def parse_policy(seed):
    """A policy entry from configuration, checked: amounts and rates as Decimal."""
    policy = {"year": int(seed["year"]),
              "rounding_unit": seed["rounding_unit"], "rounding_mode": seed["rounding_mode"]}
    for key in POLICY_MONEY + POLICY_RATES:
        policy[key] = Decimal(str(seed[key]))
    if policy["rounding_unit"] not in ROUNDING_UNITS or policy["rounding_mode"] not in ROUNDING_MODES:
        raise ValueError(f"policy {policy['year']}: unknown rounding {policy['rounding_unit']}/{policy['rounding_mode']}")
    if not 0 < policy["base_floor"] <= policy["base_cap"]:
        raise ValueError(f"policy {policy['year']}: base floor must be positive and below the cap")
    if not 0 < policy["rate_min"] <= policy["rate_max"] < 1:
        raise ValueError(f"policy {policy['year']}: rates must satisfy 0 < min <= max < 1")
    return policy


def monthly_amount(base, employer_rate, employee_rate, policy):
    """月缴存额: each part rounded separately by the policy's unit and mode."""
    unit, mode = policy["rounding_unit"], policy["rounding_mode"]
    employer_part = round_money(Decimal(base) * Decimal(employer_rate), unit, mode)
    employee_part = round_money(Decimal(base) * Decimal(employee_rate), unit, mode)
    return employer_part, employee_part, employer_part + employee_part


def monthly_cap(policy):
    """月缴存额上限 = cap base × (max employer rate + max employee rate)."""
    return round_money(policy["base_cap"] * policy["rate_max"] * 2,
                       policy["rounding_unit"], policy["rounding_mode"])
