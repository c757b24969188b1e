"""Rules of seal, unseal, transfer in and merge (F8-F10), without I/O."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from services.accounts import status_rules as rules
from services.accounts.rules import OpeningLimits
from tests.factories import resident_id

UNIT, OTHER = "610100000001", "610100000002"
LIMITS = OpeningLimits(Decimal("2160"), Decimal("27000"), 16, 60, 55, date(2026, 12, 1))


def account(no="61019000000001", unit=UNIT, status="01", id_number=None, name="张三"):
    return SimpleNamespace(account_no=no, unit_account=unit, status=status, name=name,
                           id_number=id_number or resident_id(birth=date(1990, 1, 1)), base=Decimal("5000"),
                           balance=Decimal("0"))


def context(**values):
    return rules.Context(unit_account=UNIT, reasons=("离职", "其他"), today=date(2026, 12, 1), limits=LIMITS, **values)


def test_f9_1_july_waits_for_the_annual_verification_only_while_it_is_owed():
    assert rules.july_blocks_sealing(date(2026, 7, 3), annual_pending=True)
    assert not rules.july_blocks_sealing(date(2026, 7, 3), annual_pending=False)
    assert not rules.july_blocks_sealing(date(2026, 8, 1), annual_pending=True)
    problem = rules.check_seal({}, account(), context(july_blocked=True))
    assert problem.code == "ANNUAL_VERIFICATION_REQUIRED" and "年度缴存基数核定" in problem.message


def test_f9_1_only_a_normal_account_of_this_employer_is_sealed_and_reasons_come_from_the_list():
    assert rules.check_seal({}, account(), context()) is None
    assert rules.check_seal({}, account(status="02"), context()).code == "MEMBER_NOT_NORMAL"
    assert rules.check_seal({}, account(unit=OTHER), context()).code == "NOT_FOUND"
    assert rules.check_seal({}, None, context()).code == "NOT_FOUND"
    assert rules.check_seal({"name": "李四"}, account(), context()).code == "NAME_MISMATCH"
    assert rules.clean_reason(" 离职 ", ("离职",)) == ("离职", None)
    assert rules.clean_reason("辞退", ("离职",))[1].code == "VALIDATION_ERROR"
    assert rules.clean_account_no("６１０１") == ("6101", None)  # full-width digits as the clerk means them
    assert rules.clean_account_no("٦١٠١")[1].code == "VALIDATION_ERROR"


def test_f9_3_unseal_age_month_normal_elsewhere_and_base():
    sealed = account(status="02")
    assert rules.check_unseal({"base": "6000"}, sealed, context()) is None
    too_old = account(status="02", id_number=resident_id(birth=date(1960, 1, 1), male=True))
    assert rules.check_unseal({"base": "6000"}, too_old, context()).code == "AGE_OUT_OF_RANGE"
    this_month = context(sealed_here_this_month={sealed.account_no})
    assert rules.check_unseal({"base": "6000"}, sealed, this_month).code == "SEALED_THIS_MONTH"
    elsewhere = rules.check_unseal({"base": "6000"}, sealed,
                                   context(normal_ids={sealed.id_number: ("61019000000999", OTHER)}))
    assert (elsewhere.code, elsewhere.message) == ("NORMAL_ACCOUNT_EXISTS", rules.NORMAL_ELSEWHERE)
    assert "其他单位" in elsewhere.message and "封存" in elsewhere.message
    # the other normal account is at this employer: sealing elsewhere would not help, a merge does
    here = rules.check_unseal({"base": "6000"}, sealed, context(normal_ids={sealed.id_number: ("61019000000999", UNIT)}))
    assert here.code == "NORMAL_ACCOUNT_EXISTS"
    assert "本单位" in here.message and "61019000000999" in here.message and "合并" in here.message
    assert rules.check_unseal({"base": "2159.99"}, sealed, context()).column == "base"
    row = {"base": "6000.5"}
    rules.check_unseal(row, sealed, context())
    assert row["base"] == Decimal("6000.50")


def test_f10_1_which_account_a_transfer_moves():
    person = resident_id()
    here = account("61019000000001", UNIT, "02", person)
    a = account("61019000000002", OTHER, "02", person)
    b = account("61019000000003", "610100000003", "02", person)
    closed = account("61019000000004", OTHER, "03", person)
    assert rules.choose_transfer_account({}, [here, closed], UNIT)[1].code == "NO_SEALED_ACCOUNT"
    assert rules.choose_transfer_account({}, [here, a], UNIT) == (a, None)
    assert rules.choose_transfer_account({}, [a, b], UNIT)[1].code == "CHOICE_REQUIRED"
    assert rules.choose_transfer_account({"account_no": b.account_no}, [a, b], UNIT) == (b, None)
    assert rules.choose_transfer_account({"account_no": "61019000000009"}, [a, b], UNIT)[1].code == "NOT_FOUND"
    normal = account("61019000000005", OTHER, "01", person)
    chosen, _ = rules.choose_transfer_account({}, [normal], UNIT)
    row = {"name": "张三", "id_number": person}
    assert rules.check_transfer(row, chosen, context()).code == "MEMBER_NOT_SEALED"
    assert rules.check_transfer(row, a, context()) is None
    assert rules.check_transfer({**row, "name": "李四"}, a, context()).code == "NAME_MISMATCH"
    assert rules.check_transfer(row, a, context(on_open_verification={a.account_no})).code == "ON_OPEN_VERIFICATION"


def test_f8_1_merge_rules():
    person = resident_id()
    into, out = account("61019000000001", status="01", id_number=person), account("61019000000002", status="02", id_number=person)
    assert rules.check_merge(out, into, UNIT, set()) is None
    assert rules.check_merge(into, out, UNIT, set()).code == "MEMBER_NOT_NORMAL"
    assert rules.check_merge(into, into, UNIT, set()).code == "VALIDATION_ERROR"
    assert rules.check_merge(account("61019000000003", status="02"), into, UNIT, set()).code == "NOT_SAME_PERSON"
    assert rules.check_merge(out, into, OTHER, set()).code == "NOT_FOUND"
    assert rules.check_merge(out, into, UNIT, {out.account_no}).code == "ON_OPEN_VERIFICATION"
    closed = account("61019000000002", status="03", id_number=person)
    assert rules.check_merge(closed, into, UNIT, set()).code == "ACCOUNT_CLOSED"
    error = rules.problem_error(rules.check_merge(into, out, UNIT, set()))
    assert (error.status, error.details[0]["field"], error.details[0]["label"]) == (409, "to_account", "转入账号")
    assert rules.problem_error(rules.check_merge(closed, into, UNIT, set())).details[0]["label"] == "转出账号"
