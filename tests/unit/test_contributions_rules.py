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


# ---------- F12.1 rules ----------

from types import SimpleNamespace  # noqa: E402

from services.contributions import rules  # noqa: E402
from shared.errors import BusinessError  # noqa: E402
from shared.money import capital_amount  # noqa: E402


def refused(code, call, *args, **kwargs):
    with pytest.raises(BusinessError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code, exc.value
    return exc.value


def month_check(month, expected="202611", current="202612", open_no=None, first="202601"):
    return rules.check_remittance_month(month, expected=expected, current_month=current, open_no=open_no,
                                        first_month=first)


def test_f12_1_months_continuous_from_paid_up_to_or_first_month():
    assert rules.next_remittance_month("202612", "202601") == "202701"
    assert rules.next_remittance_month(None, "202609") == "202609"
    month_check("202611")
    error = refused("MONTH_NOT_CONTINUOUS", month_check, "202610")
    assert "2026年11月" in error.message


def test_f12_1_no_month_after_the_current_one_and_one_open_at_a_time():
    refused("MONTH_IN_FUTURE", month_check, "202701", expected="202701")
    error = refused("OPEN_REMITTANCE", month_check, "202611", open_no="HJ2026120100001")
    assert "HJ2026120100001" in error.message and error.status == 409


def test_f12_1_july_needs_the_annual_verification_when_it_is_owed():
    error = refused("ANNUAL_VERIFICATION_REQUIRED", month_check, "202607", expected="202607", first="202601")
    assert "2026年度" in error.message
    month_check("202607", expected="202607", first="202607")  # first month July Y: owes none for Y
    assert not rules.annual_verification_owed("202608", "202601")


def test_f12_1_july_goes_ahead_once_the_annual_verification_is_done():
    rules.check_remittance_month("202607", expected="202607", current_month="202607", open_no=None,
                                 first_month="202601", annual_done=True)
    assert rules.first_owed_year("202606") == 2026 and rules.first_owed_year("202607") == 2027


def test_f12_1_rates_in_force_by_month_and_the_month_a_change_takes_effect():
    periods = [("202601", Decimal("0.12"), Decimal("0.12")), ("202609", Decimal("0.10"), Decimal("0.08"))]
    assert rules.rates_in_force(periods, "202608") == (Decimal("0.12"), Decimal("0.12"))
    assert rules.rates_in_force(periods, "202609") == (Decimal("0.10"), Decimal("0.08"))
    assert rules.rates_in_force(periods, "202701") == (Decimal("0.10"), Decimal("0.08"))
    assert rules.rate_change_month("202610", "202601") == "202611"
    assert rules.rate_change_month(None, "202605") == "202605"
    refused("RATES_MISSING", rules.rates_in_force, [], "202601")


def test_f12_1_bases_out_of_bounds_refuse_the_save_naming_the_members():
    members = [["61010001", "张三", "x", "2159.99"], ["61010002", "李四", "x", "5000.00"],
               ["61010003", "王五", "x", "27000.01"]]
    bad = rules.out_of_bounds(members, policy())
    assert [m[1] for m in bad] == ["张三", "王五"]
    error = refused("BASE_OUT_OF_BOUNDS", rules.refuse_bases, bad, policy())
    assert "张三（61010001）" in error.message and "王五" in error.message
    assert [d["field"] for d in error.details] == ["61010001", "61010003"]
    rules.refuse_bases([], policy())


def test_f12_1_roster_parts_rounded_on_their_own():
    rows, employer, employee = rules.roster_rows(
        [["a", "甲", "x", "2250.00"], ["b", "乙", "x", "2250.00"]], "202612", Decimal("0.05"),
        Decimal("0.05"), policy())
    assert [(r["employer_amount"], r["employee_amount"]) for r in rows] == [(Decimal("113.00"),) * 2] * 2
    assert (employer, employee) == (Decimal("226.00"), Decimal("226.00"))


def test_f12_1_changes_since_the_last_posted_month():
    first = rules.changes_since(None, ["a", "b"], Decimal("100.00"))
    assert (first["added"], first["removed"], first["amount_up"]) == (2, 0, "100.00")
    later = rules.changes_since(("202611", 2, Decimal("100.00"), ["a", "b"]), ["b", "c", "d"], Decimal("90.00"))
    assert (later["added"], later["removed"], later["amount_up"], later["amount_down"]) == (2, 1, "0.00", "10.00")
    assert later["previous_month"] == "202611"


def test_f12_1_states_discard_submit_cancel():
    saved, awaiting, posted = (SimpleNamespace(status=s) for s in ("saved", "awaiting", "posted"))
    rules.check_discard(saved)
    rules.check_submit(saved)
    rules.check_cancel(awaiting)
    refused("NOT_DISCARDABLE", rules.check_discard, awaiting)
    refused("NOT_SUBMITTABLE", rules.check_submit, awaiting)
    refused("ALREADY_POSTED", rules.check_cancel, posted)
    refused("NOT_CANCELLABLE", rules.check_cancel, saved)


# ---------- B1 bank receipts ----------

TODAY = __import__("datetime").date(2026, 12, 1)


def notice(**overrides):
    return {"bank_ref": "B1", "unit_account": "610100000001", "amount": "100.00", "value_date": "2026-12-01",
            "reference": "HJ1", **overrides}


def test_b1_bad_notices_are_typed_errors():
    for bad, field in ((notice(amount="-1"), "amount"), (notice(amount="0"), "amount"),
                       (notice(amount="1.001"), "amount"), (notice(amount=1.5), "amount"),
                       (notice(amount="abc"), "amount"), (notice(value_date="2026-12-02"), "value_date"),
                       (notice(value_date="2026-13-01"), "value_date"), (notice(bank_ref=""), "bank_ref")):
        error = refused("VALIDATION_ERROR", rules.receipt_input, bad, TODAY)
        assert field in [d["field"] for d in error.details]
    clean = rules.receipt_input(notice(reference=" ", value_date=None), TODAY)
    assert clean["reference"] is None and clean["value_date"] == TODAY and clean["amount"] == Decimal("100.00")


def test_b1_receipt_matches_only_an_equal_awaiting_verification():
    awaiting = SimpleNamespace(status="awaiting", amount=Decimal("100.00"))
    assert rules.receipt_match(Decimal("100.00"), "HJ1", awaiting) is None
    assert "未填写" in rules.receipt_match(Decimal("100.00"), None, awaiting)
    assert "不存在" in rules.receipt_match(Decimal("100.00"), "HJ9", None)
    assert "不足" in rules.receipt_match(Decimal("99.99"), "HJ1", awaiting)
    assert "超出" in rules.receipt_match(Decimal("100.01"), "HJ1", awaiting)
    for status, name in (("posted", "已入账"), ("cancelled", "已撤销"), ("discarded", "已作废"), ("saved", "已保存")):
        assert name in rules.receipt_match(Decimal("100.00"), "HJ1", SimpleNamespace(status=status,
                                                                                    amount=Decimal("100.00")))


def test_b1_apply_needs_whole_items_summing_exactly():
    items = [SimpleNamespace(id=1, unit_account="U", status="held", amount=Decimal("60.00")),
             SimpleNamespace(id=2, unit_account="U", status="held", amount=Decimal("40.00")),
             SimpleNamespace(id=3, unit_account="U", status="refunded", amount=Decimal("1.00"))]
    assert [i.id for i in rules.check_items(items, [2, 1], "U")] == [2, 1]
    refused("NOT_FOUND", rules.check_items, items, [1, 4], "U")
    refused("NOT_FOUND", rules.check_items, items, [1], "OTHER")
    refused("SUSPENSE_RESOLVED", rules.check_items, items, [3], "U")
    refused("VALIDATION_ERROR", rules.check_items, items, [1, 1], "U")
    awaiting = SimpleNamespace(status="awaiting", amount=Decimal("100.00"))
    assert rules.check_apply(items[:2], awaiting) == Decimal("100.00")
    refused("AMOUNT_MISMATCH", rules.check_apply, items[:1], awaiting)
    refused("NOT_AWAITING", rules.check_apply, items[:2], SimpleNamespace(status="posted", amount=Decimal("100")))


def test_f7_3_prompt_while_money_is_unposted():
    assert "联系中心" in rules.suspense_prompt(Decimal("0.01"))
    assert rules.suspense_prompt(Decimal("0")) is None


def test_policy_day_basis_is_checked():
    assert policy()["day_basis"] == "actual"
    assert policy(day_basis="360")["day_basis"] == "360"
    with pytest.raises(ValueError):
        policy(day_basis="365")


def test_capital_amounts_as_on_vouchers():
    assert capital_amount(Decimal("1234.50")) == "壹仟贰佰叁拾肆元伍角整"
    assert capital_amount(Decimal("1004.05")) == "壹仟零肆元零伍分"
    assert capital_amount(Decimal("100001000")) == "壹亿零壹仟元整"
    assert capital_amount(Decimal("10.00")) == "壹拾元整"
    assert capital_amount(Decimal("0")) == "零元整"
    assert capital_amount(Decimal("0.05")) == "伍分"
    assert capital_amount(Decimal("300020.10")) == "叁拾万零贰拾元壹角整"
