"""The interest formula (B2, MONEY.md) without a database."""
from datetime import date
from decimal import Decimal

from services.accounts import interest


def test_b2_a_balance_held_all_year_earns_exactly_the_rate_on_the_years_own_days():
    for year in (2023, 2027):  # 2023-24 has 366 days, 2027-28 too; 2025-26 has 365
        assert interest.interest_of(Decimal("10000"), [], year, Decimal("0.015"), "actual", "half_up") == Decimal("150.00")
    assert interest.day_divisor(2023, "actual") == 366 and interest.day_divisor(2025, "actual") == 365
    assert interest.day_divisor(2025, "360") == 360


def test_b2_each_movement_counts_from_its_value_date_to_30_june_both_included():
    last_day = [(date(2026, 6, 30), Decimal("36500"))]
    assert interest.interest_of(0, last_day, 2025, Decimal("0.015"), "actual", "half_up") == Decimal("1.50")
    first_day = [(date(2025, 7, 1), Decimal("36500"))]
    assert interest.interest_of(0, first_day, 2025, Decimal("0.015"), "actual", "half_up") == Decimal("547.50")
    # a 360-day basis pays 365/360 of the rate for a whole year
    assert interest.interest_of(Decimal("3600"), [], 2025, Decimal("0.01"), "360", "half_up") == Decimal("36.50")


def test_b2_rounded_once_to_the_fen_by_the_policys_mode():
    # 1 yuan for 1 day at 1.5% is 0.0000411 yuan: nothing; 3 fen's worth rounds half up, not to even
    assert interest.interest_of(0, [(date(2026, 6, 30), Decimal("1"))], 2025, Decimal("0.015"), "actual", "half_up") == 0
    amount = interest.interest_of(Decimal("1"), [], 2025, Decimal("0.125"), "actual", "half_up")
    assert amount == Decimal("0.13")  # 0.125 → 0.13 (half-even would give 0.12)


def test_b2_money_arriving_after_its_year_is_settled_takes_1_july_of_the_next():
    assert interest.posting_value_date(date(2026, 5, 3), set()) == date(2026, 5, 3)
    assert interest.posting_value_date(date(2026, 5, 3), {2025}) == date(2026, 7, 1)
    assert interest.posting_value_date(date(2025, 5, 3), {2024, 2025}) == date(2026, 7, 1)
    assert interest.posting_value_date(date(2026, 7, 3), {2025}) == date(2026, 7, 3)
