"""What the centre's side may send, taken exactly or refused (never stored as something else)."""
from datetime import date
from decimal import Decimal

import pytest

from services.contributions import rules
from services.contributions.schemas import RemittanceInSchema, SetPolicySchema
from shared.errors import BusinessError
from shared.money import MoneyError, to_money
from shared.schemas import load

TODAY = date(2026, 12, 1)


def notice(**overrides):
    return {"bank_ref": "B1", "unit_account": "610100000001", "amount": "100.00", "value_date": "2026-11-30",
            "reference": "HJ1", **overrides}


@pytest.mark.parametrize("value_date", [20261201, ["2026-11-30"], "20261130", "2026W011", "２０２６-11-30",
                                        "0001-01-01", "2026-02-30"])
def test_a_value_date_is_an_ascii_date_within_the_calendar_or_refused(value_date):
    with pytest.raises(BusinessError) as err:
        rules.receipt_input(notice(value_date=value_date), TODAY)
    assert err.value.details[0]["field"] == "value_date"


def test_a_proper_value_date_is_taken():
    assert rules.receipt_input(notice(), TODAY)["value_date"] == date(2026, 11, 30)


def test_no_amount_beyond_what_the_columns_hold():
    with pytest.raises(MoneyError):
        to_money("1000000000000.00")
    assert to_money("999999999999.99") == Decimal("999999999999.99")


@pytest.mark.parametrize("rates", [{"rate_min": 0.05}, {"rate_max": "0.12345"}, {"interest_rate": "0.0150005"}])
def test_policy_rates_are_exact_strings(rates):
    with pytest.raises(BusinessError):
        load(SetPolicySchema(), {"year": 2027, **rates})


def test_policy_rates_keep_what_the_centre_wrote():
    data = load(SetPolicySchema(), {"year": 2027, "rate_max": "0.1235", "interest_rate": "0.015000"})
    assert (data["rate_max"], data["interest_rate"]) == (Decimal("0.1235"), Decimal("0.015000"))


def test_a_policy_base_beyond_its_column_is_refused():
    with pytest.raises(BusinessError):
        load(SetPolicySchema(), {"year": 2027, "base_cap": "99999999999.00"})


def test_the_monthly_cap_is_what_a_member_at_the_cap_pays():
    policy = {"base_cap": Decimal("27000.00"), "rate_max": Decimal("0.1235"), "rounding_unit": "yuan",
              "rounding_mode": "half_up"}
    _, _, at_cap = rules.monthly_amount(policy["base_cap"], policy["rate_max"], policy["rate_max"], policy)
    assert rules.monthly_cap(policy) == at_cap == Decimal("6670.00")


@pytest.mark.parametrize("items", ["12", [1.9], [True], None, [{"id": 1}], ["١"]])
def test_suspense_items_are_a_list_of_whole_numbers(items):
    with pytest.raises(BusinessError):
        rules.item_ids(items)


def test_suspense_items_as_the_cli_sends_them():
    assert rules.item_ids(["3", 4]) == [3, 4]


@pytest.mark.parametrize("month", ["２０２６07", "٢٠٢٦07", "202607\n"])
def test_a_month_is_six_ascii_digits(month):
    with pytest.raises(BusinessError):
        load(RemittanceInSchema(), {"month": month})


def test_rates_in_force_must_lie_in_the_months_own_year_range():
    narrowed = {"year": 2027, "rate_min": "0.05", "rate_max": "0.10"}
    with pytest.raises(BusinessError) as err:
        rules.check_rates_in_range(Decimal("0.12"), Decimal("0.10"), narrowed)
    assert err.value.code == "RATES_OUT_OF_RANGE" and "2027年度" in err.value.message
    rules.check_rates_in_range(Decimal("0.10"), Decimal("0.05"), narrowed)  # both bounds included
