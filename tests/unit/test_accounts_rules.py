"""Rules of member accounts (F3.1, F5.1), without broker or database."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from services.accounts import rules
from services.accounts.schemas import PageSchema
from services.accounts.templates import opening_template
from shared.errors import BusinessError
from shared.schemas import load
from tests.factories import mobile, resident_id

POLICY = {"base_floor": "2160.00", "base_cap": "27000.00"}
AGES = {"min_age": 16, "max_age_male": 60, "max_age_female": 55}
TODAY = date(2026, 11, 27)
LIMITS = rules.OpeningLimits.of(POLICY, AGES, TODAY)


def row(**overrides):
    return {"name": "张三", "id_number": resident_id(), "base": "5000", "mobile": mobile(), **overrides}


def problems(**overrides):
    return rules.check_opening(row(**overrides), LIMITS)[1]


def test_f3_1_valid_row_is_cleaned():
    clean, found = rules.check_opening(row(name=" 张三 ", base="5000.5", household="陕西"), LIMITS)
    assert found == [] and clean["name"] == "张三" and clean["base"] == Decimal("5000.5")


@pytest.mark.parametrize("birth, male, allowed", [
    (date(1966, 11, 27), True, True),     # 60 today
    (date(1965, 11, 27), True, False),    # 61 today
    (date(1971, 11, 27), False, True),    # 55 today
    (date(1970, 11, 27), False, False),   # 56 today
    (date(2010, 11, 27), True, True),     # 16 today
    (date(2010, 11, 28), False, False),   # 16 tomorrow
])
def test_f3_1_age_limits_by_sex_on_the_opening_date(birth, male, allowed):
    found = problems(id_number=resident_id(birth=birth, male=male))
    assert (found == []) is allowed
    if not allowed:
        assert found == [("证件号码", "职工年龄超出网上办理范围，请至中心柜台办理")]


@pytest.mark.parametrize("base, message", [
    ("2159.99", "缴存基数须在2160.00至27000.00元之间"),
    ("27000.01", "缴存基数须在2160.00至27000.00元之间"),
    ("5000.001", "金额最多保留2位小数"),
    ("五千", "金额格式不正确"),
    ("", "必填项不能为空"),
])
def test_f3_1_base_within_the_years_bounds_at_most_two_decimals(base, message):
    assert problems(base=base) == [("缴存基数", message)]


@pytest.mark.parametrize("base", ["2160.00", "2160", "27000.00"])
def test_f3_1_a_base_exactly_at_either_bound_is_allowed(base):
    assert problems(base=base) == []


def test_f3_1_bounds_come_from_the_policy():
    limits = rules.OpeningLimits.of({"base_floor": "3000.00", "base_cap": "9000.00"}, AGES, TODAY)
    assert rules.check_opening(row(base="2500"), limits)[1][0][0] == "缴存基数"
    assert rules.check_opening(row(base="9000.00"), limits)[1] == []


def test_f3_1_id_card_only_and_lowercase_x():
    number = next(n for n in iter(resident_id, None) if n.endswith("X"))
    clean, found = rules.check_opening(row(id_number=number.lower()), LIMITS)
    assert found == [] and clean["id_number"] == number
    [(column, message)] = problems(id_number="G12345678")
    assert column == "证件号码" and "柜台" in message
    assert "校验位" in problems(id_number=number[:17] + "0")[0][1]
    assert problems(id_number=" ") == [("证件号码", "必填项不能为空")]  # not the 18-digit/counter message


def test_f3_1_mobile_name_and_optional_columns():
    assert problems(mobile="2345678901") == [("手机号码", "手机号码须为11位有效号码")]
    assert problems(name="") == [("个人姓名", "必填项不能为空")]
    assert problems(address="=HYPERLINK(1)") == [("家庭住址", "家庭住址格式不正确")]


def test_f3_1_no_second_normal_account_and_no_duplicate_in_the_roster():
    assert rules.check_unique("X", {"X"}, {})[1] == "该证件号码在待开户清册中已存在"
    assert rules.check_unique("X", set(), {"X": "U1"}, "U1")[1] == rules.DUPLICATE_ACCOUNT
    assert "内部转移转入" in rules.check_unique("X", set(), {"X": "U2"}, "U1")[1]  # anywhere in the centre
    assert rules.check_unique("X", {"Y"}, {"Z": "U1"}, "U1") is None


def test_f5_1_only_real_changes_of_editable_fields_are_recorded():
    member = SimpleNamespace(household="陕西", address="旧址", mobile="13900000000", phone="")
    items = rules.check_change({"household": "陕西", "address": "新址", "phone": "029-1234567"}, member)
    assert items == [{"field": "address", "label": "家庭住址", "old": "旧址", "new": "新址"},
                     {"field": "phone", "label": "固定电话", "old": "", "new": "029-1234567"}]


def test_f5_1_a_change_meets_the_text_rules_of_opening():
    member = SimpleNamespace(household="陕西", address="旧址", mobile="13900000000", phone="")
    with pytest.raises(BusinessError) as err:
        rules.check_change({"address": "=HYPERLINK(1)"}, member)
    assert err.value.details == [{"field": "address", "message": "家庭住址格式不正确"}]


def test_member_counts_always_list_the_four_statuses():
    counts = rules.status_counts({"01": 3, "02": 1})
    assert counts["total"] == 4
    assert [(s["code"], s["count"]) for s in counts["by_status"]] == [("01", 3), ("02", 1), ("03", 0), ("06", 0)]


@pytest.mark.parametrize("query", [{"page": "99999999999999999999"}, {"page": "100001"},
                                   {"page_size": "99999999999999999999"}, {"page": "0"}])
def test_paging_out_of_range_is_a_validation_error(query):
    with pytest.raises(BusinessError) as err:
        load(PageSchema(), query)
    assert err.value.code == "VALIDATION_ERROR" and err.value.details[0]["message"] == "数值超出允许范围"


def test_paging_up_to_the_last_allowed_page():
    assert load(PageSchema(), {"page": "100000", "page_size": "500"}) == {"page": 100000, "page_size": 500}


def test_f3_2_template_instructions_follow_the_configured_limits():
    accounts = {"min_age": 18, "max_age_male": 63, "max_age_female": 58, "max_import_rows": "20000"}
    lines = opening_template(accounts, 5 * 1024 * 1024).instructions
    assert "职工年龄须在18周岁至63周岁（男）、58周岁（女）之间，超出范围须至中心柜台办理。" in lines
    assert "每次最多上传20000行，文件不超过5MB。" in lines


def test_f3_1_a_draft_out_of_age_goes_to_the_counter_whatever_else_is_wrong():
    old = resident_id(birth=date(1950, 1, 1))
    with pytest.raises(BusinessError) as err:
        rules.check_draft(row(id_number=old, base="1.00"), LIMITS)
    assert (err.value.code, err.value.message) == ("AGE_OUT_OF_RANGE", rules.AGE_MESSAGE)
    assert [(d["field"], d["label"]) for d in err.value.details] == [("id_number", "证件号码"), ("base", "缴存基数")]
    with pytest.raises(BusinessError) as err:
        rules.check_draft(row(base="1.00"), LIMITS)
    assert err.value.code == "VALIDATION_ERROR" and err.value.details[0]["field"] == "base"
    assert rules.check_draft(row(name=" 张三 "), LIMITS)["name"] == "张三"


def test_f5_1_identity_fields_are_refused_online_as_a_whole_request():
    with pytest.raises(BusinessError) as err:
        rules.refuse_counter_only({"id_type": "02", "name": "李四", "address": "新址"})
    assert err.value.code == "COUNTER_ONLY" and err.value.message == "姓名、证件类型的修改须至中心柜台办理"
    assert [d["field"] for d in err.value.details] == ["name", "id_type"]
    rules.refuse_counter_only({"address": "新址"})


def test_f3_2_uploaded_rows_are_checked_a_chunk_at_a_time():
    first, second, third = (resident_id() for _ in range(3))
    rows = iter([(2, row(id_number=first), []), (3, row(id_number=first), []),
                 (4, row(id_number=second), [{"row": 4, "column": "手机号码", "message": "应为文本"}]),
                 (5, row(id_number=third), [])])
    roster = set()
    good, errors, more = rules.check_rows(rows, LIMITS, roster, {}, 3)
    assert [g["row_no"] for g in good] == [2] and more and roster == {first}
    assert [(e["row"], e["column"]) for e in errors] == [(3, "证件号码"), (4, "手机号码")]
    good, errors, more = rules.check_rows(rows, LIMITS, roster, {}, 3)
    assert [g["row_no"] for g in good] == [5] and errors == [] and not more


# ---------- member ledger and posting (F4.1) ----------

UNIT = "610100000001"


def page(*rows):
    return rules.posting_rows([list(row) for row in rows])


def test_f4_1_posting_rows_are_parsed_to_decimals_in_row_order():
    rows = page((7, "A2", "202612", "300.00", "300.00"), (3, "A1", "202612", "250.50", "249.50"))
    assert [row.row_id for row in rows] == [3, 7]
    assert rows[0].amount == Decimal("500.00") and isinstance(rows[0].employer_amount, Decimal)


@pytest.mark.parametrize("raw", [
    [[1, "A1", "2026-12", "1.00", "1.00"]],   # not YYYYMM
    [[1, "A1", "202613", "1.00", "1.00"]],
    [[1, "A1", "202612", "1.001", "1.00"]],   # three places
    [[1, "A1", "202612", 1.5, "1.00"]],       # a float
    [[1, "A1", "202612", "1.00"]],            # a part missing
    [["x", "A1", "202612", "1.00", "1.00"]],
])
def test_f4_1_a_row_that_breaks_the_contract_is_refused(raw):
    with pytest.raises(BusinessError) as err:
        rules.posting_rows(raw)
    assert err.value.code == "BAD_POSTING_ROWS"


def test_f4_1_balances_grow_row_by_row_from_the_locked_balance():
    rows = page((1, "A1", "202601", "100.00", "100.00"), (2, "A2", "202601", "50.00", "50.00"),
                (3, "A1", "202602", "100.00", "100.00"))
    members = {"A1": (UNIT, Decimal("1000.00")), "A2": (UNIT, Decimal("0.00"))}
    entries, balances = rules.post_page(rows, members, set(), UNIT, rules.SUPPLEMENTARY)
    assert [(e["account_no"], e["month"], e["amount"], e["balance_after"]) for e in entries] == [
        ("A1", "202601", Decimal("200.00"), Decimal("1200.00")),
        ("A2", "202601", Decimal("100.00"), Decimal("100.00")),
        ("A1", "202602", Decimal("200.00"), Decimal("1400.00"))]
    assert balances == {"A1": Decimal("1400.00"), "A2": Decimal("100.00")}
    assert entries[0]["summary"] == "2026年01月补缴"
    assert (entries[0]["employer_amount"], entries[0]["employee_amount"]) == (Decimal("100.00"), Decimal("100.00"))


def test_f4_1_rows_already_in_the_ledger_are_skipped_and_leave_the_balance():
    rows = page((1, "A1", "202612", "100.00", "100.00"), (2, "A2", "202612", "50.00", "50.00"),
                (3, "A2", "202612", "50.00", "50.00"))  # the same key twice is written once
    members = {"A1": (UNIT, Decimal("200.00")), "A2": (UNIT, Decimal("0.00"))}
    entries, balances = rules.post_page(rows, members, {("A1", "202612")}, UNIT, rules.REMITTANCE)
    assert [(e["account_no"], e["balance_after"]) for e in entries] == [("A2", Decimal("100.00"))]
    assert balances == {"A2": Decimal("100.00")}


@pytest.mark.parametrize("members", [
    {"A1": (UNIT, Decimal("0")), "B1": ("610100000002", Decimal("0"))},  # another employer's member
    {"A1": (UNIT, Decimal("0"))},                                         # no such account
])
def test_f4_1_a_page_naming_a_member_of_no_such_employer_credits_nobody(members):
    rows = page((1, "A1", "202612", "100.00", "100.00"), (2, "B1", "202612", "50.00", "50.00"))
    with pytest.raises(BusinessError) as err:
        rules.post_page(rows, members, set(), UNIT, rules.REMITTANCE)
    assert err.value.code == "NOT_EMPLOYER_MEMBERS" and err.value.details == [
        {"field": "account_no", "message": "B1"}]


def test_f4_1_posting_is_complete_at_exactly_total_rows():
    assert rules.posting_complete(5, 5) and not rules.posting_complete(4, 5)
    with pytest.raises(BusinessError) as err:
        rules.posting_complete(6, 5)
    assert err.value.code == "POSTING_OVERCOUNT"


def test_f4_1_ledger_types_are_the_national_codes_and_merge_has_its_own():
    assert rules.LEDGER_TYPES["01"] == "汇缴" and rules.LEDGER_TYPES["09"] == "年终结息"
    assert rules.LEDGER_TYPES["07"] == "合并" and len(set(rules.LEDGER_TYPES.values())) == len(rules.LEDGER_TYPES)
