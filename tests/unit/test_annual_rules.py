"""The annual base verification's rules (F11.1), pure."""
from decimal import Decimal

import pytest

from services.contributions import annual
from shared.errors import BusinessError

POLICY = {"year": 2026, "base_floor": Decimal("2160.00"), "base_cap": Decimal("27000.00"),
          "rate_min": Decimal("0.05"), "rate_max": Decimal("0.12")}


def refused(code, call, *args, **kwargs):
    with pytest.raises(BusinessError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code, exc.value
    return exc.value


def test_f11_1_the_first_year_owed_begins_after_the_first_month_and_years_go_in_a_row():
    check = annual.check_year
    check(2026, first_month="202606", paid_up_to="202606", done={})
    refused("ANNUAL_NOT_OWED", check, 2026, first_month="202607", paid_up_to="202606", done={})
    refused("ANNUAL_NOT_CONSECUTIVE", check, 2026, first_month="202501", paid_up_to="202606", done={})
    check(2026, first_month="202501", paid_up_to="202606", done={2025: annual.DONE})
    refused("ANNUAL_DONE", check, 2026, first_month="202606", paid_up_to="202606", done={2026: annual.DONE})
    assert "办理中" in refused("ANNUAL_APPLYING", check, 2026, first_month="202606", paid_up_to="202606",
                              done={2026: annual.APPLYING}).message
    assert "缴至月份：2026年5月" in refused("JUNE_NOT_POSTED", check, 2026, first_month="202601",
                                       paid_up_to="202605", done={}).message
    refused("JUNE_NOT_POSTED", check, 2026, first_month="202606", paid_up_to=None, done={})
    refused("ANNUAL_AT_COUNTER", check, 2026, first_month="202606", paid_up_to="202607", done={})
    assert annual.due_year("202606", {}) == 2026
    assert annual.due_year("202501", {2025: annual.DONE}) == 2026
    assert annual.due_year("202607", {}) == 2027


def test_f11_1_new_bases_within_the_years_bounds_exactly():
    assert annual.clean_base("2160", POLICY) == Decimal("2160.00")
    assert annual.clean_base("27,000.00", POLICY) == Decimal("27000.00")
    refused("BASE_OUT_OF_BOUNDS", annual.clean_base, "2159.99", POLICY)
    refused("BASE_OUT_OF_BOUNDS", annual.clean_base, "27000.01", POLICY)
    refused("VALIDATION_ERROR", annual.clean_base, "5000.001", POLICY)
    refused("VALIDATION_ERROR", annual.clean_base, "", POLICY)


def test_f11_1_a_row_must_name_the_member_it_is_for():
    member = ("张三", "610104199001010012", Decimal("5000.00"))
    annual.check_member({"name": "张三", "id_number": "610104199001010012"}, member)
    annual.check_member({"name": "", "id_number": ""}, member)  # left blank: the account number decides
    refused("NOT_ON_ANNUAL_ROSTER", annual.check_member, {}, None)
    refused("ID_MISMATCH", annual.check_member, {"id_number": "610104199001010020"}, member)
    refused("NAME_MISMATCH", annual.check_member, {"name": "李四"}, member)


def test_f11_1_members_left_out_keep_their_bases_only_where_the_centre_allows_and_within_bounds():
    unlisted = [("61010001", "张三", "x", Decimal("5000.00")), ("61010002", "李四", "x", Decimal("2000.00"))]
    error = refused("UNLISTED_MEMBERS", annual.check_unlisted, unlisted, False, POLICY)
    assert "张三（61010001）" in error.message and len(error.details) == 2
    error = refused("BASE_OUT_OF_BOUNDS", annual.check_unlisted, unlisted, True, POLICY)
    assert "李四（61010002）" in error.message and "张三" not in error.message
    annual.check_unlisted(unlisted[:1], True, POLICY)
    annual.check_unlisted([], False, POLICY)
    refused("NOT_ON_ANNUAL_ROSTER", annual.check_roster_now, [{"account_no": "61010009", "name": "王五"}],
            {"61010001": ()})


def test_f11_1_new_rates_within_the_years_range():
    annual.check_new_rates(Decimal("0.05"), Decimal("0.12"), POLICY)
    error = refused("RATE_OUT_OF_RANGE", annual.check_new_rates, Decimal("0.04"), Decimal("0.13"), POLICY)
    assert [d["field"] for d in error.details] == ["employer_rate", "employee_rate"]
