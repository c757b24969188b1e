"""The interest formula (B2, MONEY.md) without a database."""
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings, strategies as st

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


def _day_by_day(carried, movements, year, rate, divisor):
    """The definition: Σ over each day of the year of that day's closing balance × rate / D."""
    start, end = interest.year_bounds(year)
    total, day, balance = Decimal(0), start, Decimal(carried)
    by_day = {}
    for value_date, amount in movements:
        by_day[value_date] = by_day.get(value_date, Decimal(0)) + amount
    while day <= end:
        balance += by_day.get(day, Decimal(0))
        total += balance
        day += timedelta(days=1)
    return (total * rate / divisor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=200, deadline=None)
@given(year=st.integers(2016, 2030), carried=st.integers(0, 10_000_000),
       moves=st.lists(st.tuples(st.integers(0, 365), st.integers(-500_000, 2_000_000)), max_size=30),
       rate=st.sampled_from(["0.015", "0.0135", "0.0275"]), basis=st.sampled_from(["actual", "360"]))
def test_b2_property_the_formula_equals_the_day_by_day_sum_to_the_fen(year, carried, moves, rate, basis):
    start, end = interest.year_bounds(year)
    movements = [(min(start + timedelta(days=offset), end), Decimal(fen) / 100) for offset, fen in moves]
    divisor = interest.day_divisor(year, basis)
    expected = _day_by_day(Decimal(carried) / 100, movements, year, Decimal(rate), divisor)
    assert interest.interest_of(Decimal(carried) / 100, movements, year, Decimal(rate), basis, "half_up") == expected
