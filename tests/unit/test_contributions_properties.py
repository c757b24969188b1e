"""Property tests of the money arithmetic: each part rounded on its own, yuan and fen, half-up at .5
exactly, the monthly cap, and Chinese capital amounts read back to the same amount."""
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings, strategies as st

from services.contributions.rules import monthly_amount, monthly_cap, parse_policy, roster_rows
from shared.money import capital_amount

CENTS = st.integers(min_value=216000, max_value=2700000).map(lambda c: Decimal(c) / 100)  # a base in bounds
RATES = st.integers(min_value=5, max_value=12).map(lambda p: Decimal(p) / 100)
UNITS = st.sampled_from(["yuan", "fen"])


def policy(unit="yuan", mode="half_up"):
    return parse_policy({"year": 2026, "base_floor": "2160.00", "base_cap": "27000.00", "rate_min": "0.05",
                         "rate_max": "0.12", "rounding_unit": unit, "rounding_mode": mode,
                         "interest_rate": "0.015"})


@given(CENTS, RATES, RATES, UNITS)
def test_f12_1_each_part_is_rounded_on_its_own(base, employer_rate, employee_rate, unit):
    quantum = Decimal("1") if unit == "yuan" else Decimal("0.01")
    employer, employee, total = monthly_amount(base, employer_rate, employee_rate, policy(unit))
    assert employer == (base * employer_rate).quantize(quantum, rounding=ROUND_HALF_UP)
    assert employee == (base * employee_rate).quantize(quantum, rounding=ROUND_HALF_UP)
    assert total == employer + employee
    for part, exact in ((employer, base * employer_rate), (employee, base * employee_rate)):
        assert abs(part - exact) <= quantum / 2           # never off by more than half a unit
        assert part.as_tuple().exponent == -2             # two places on the wire
        if unit == "yuan":
            assert part == part.to_integral_value()


@given(st.integers(min_value=1, max_value=10 ** 6), RATES)
def test_f12_1_half_up_at_exactly_half(whole, rate):
    # a base whose part is exactly n + 0.5 yuan: it always goes up (Python's round would go to even)
    base = (Decimal(whole) + Decimal("0.5")) / rate
    if base != base.quantize(Decimal("0.01")):
        return  # not a base anyone can have
    employer, _, _ = monthly_amount(base, rate, rate, policy("yuan"))
    assert employer == Decimal(whole) + 1


@given(CENTS, RATES, RATES, UNITS)
def test_f12_1_no_member_pays_more_than_the_monthly_cap(base, employer_rate, employee_rate, unit):
    _, _, total = monthly_amount(base, employer_rate, employee_rate, policy(unit))
    assert total <= monthly_cap(policy(unit))


@given(st.lists(st.tuples(CENTS), min_size=0, max_size=40), RATES, RATES, UNITS)
def test_f12_1_verification_totals_are_the_sums_of_rounded_rows(bases, employer_rate, employee_rate, unit):
    members = [[f"a{i}", f"职工{i}", "x", str(b[0])] for i, b in enumerate(bases)]
    rows, employer, employee = roster_rows(members, "202612", employer_rate, employee_rate, policy(unit))
    assert employer == sum((r["employer_amount"] for r in rows), Decimal("0.00"))
    assert employee == sum((r["employee_amount"] for r in rows), Decimal("0.00"))
    assert len(rows) == len(members)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = {"拾": 10, "佰": 100, "仟": 1000}


def read_capital(text):
    """Read a capital amount back to a number (the inverse a cashier does)."""
    negative = text.startswith("负")
    text = text.removeprefix("负")
    integer, _, rest = text.rpartition("元") if "元" in text else ("", "", text)
    result = section = number = 0
    for ch in integer:
        if ch in _DIGITS:
            number = _DIGITS.index(ch)
        elif ch in _PLACES:
            section += number * _PLACES[ch]
            number = 0
        elif ch == "万":
            result += (section + number) * 10 ** 4
            section = number = 0
        elif ch == "亿":
            result = (result + section + number) * 10 ** 8
            section = number = 0
    value = Decimal(result + section + number)
    for digit, unit, scale in ((None, "角", Decimal("0.1")), (None, "分", Decimal("0.01"))):
        if unit in rest:
            value += _DIGITS.index(rest[rest.index(unit) - 1]) * scale
    return -value if negative else value


@settings(max_examples=500)
@given(st.integers(min_value=0, max_value=10 ** 13))
def test_capital_amount_reads_back_to_the_same_amount(fen):
    amount = Decimal(fen) / 100
    text = capital_amount(amount)
    assert read_capital(text) == amount
    assert text.endswith("整") == (fen % 10 == 0)
    assert "零零" not in text and not text.startswith("零") or amount == 0
