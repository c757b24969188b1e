"""Employer rules of the hall: changes (F6.1), shortcuts (F2.1), messages and consultations (F17.1)."""
from datetime import date
from decimal import Decimal

import pytest

from services.employer import rules
from services.employer.functions import BY_ID
from services.employer.schemas import ChangeEmployerSchema, ConsultationInSchema, CounterChangeSchema
from shared.errors import BusinessError
from shared.schemas import load
from tests.factories import resident_id

CURRENT = {"address": "陕西省西安市高新区1号", "postal_code": "710075", "bank_name": "工商银行",
           "bank_account": "6222000000000000001", "legal_person_name": "赵法人",
           "legal_person_id_number": None, "legal_person_phone": None, "name": "甲公司",
           "employer_rate": Decimal("0.1200"), "employee_rate": Decimal("0.1000"),
           "clerks": [{"name": "钱经办", "id_number": "110105194912310021", "mobile": "13912345678"}]}


@pytest.mark.parametrize("field", ["name", "clerks", "employer_rate", "employee_rate"])
def test_f6_1_unit_name_clerks_and_rates_go_to_the_counter(field):
    with pytest.raises(BusinessError) as err:
        rules.refuse_counter_fields({"address": "新地址新地址", field: "x"})
    assert err.value.code == "COUNTER_ONLY" and "须至中心柜台办理" in err.value.message
    assert [d["field"] for d in err.value.details] == [field]


def test_f6_1_only_fields_that_really_change_are_recorded():
    items = rules.change_items(CURRENT, {"address": CURRENT["address"], "postal_code": "710065",
                                         "employer_rate": Decimal("0.12")})
    assert items == [{"field": "postal_code", "label": "邮政编码", "old": "710075", "new": "710065"}]
    with pytest.raises(BusinessError) as err:
        rules.change_items(CURRENT, {"bank_name": "工商银行"})
    assert err.value.code == "NO_CHANGE"


@pytest.mark.parametrize("data, field, message", [
    ({"postal_code": "71007"}, "postal_code", "6位数字"),
    ({"postal_code": "71007a"}, "postal_code", "6位数字"),
    ({"bank_account": "6222-0000"}, "bank_account", "8至30位数字"),
    ({"legal_person_id_number": "110105194912310022"}, "legal_person_id_number", "校验位"),
    ({"legal_person_phone": "电话"}, "legal_person_phone", "联系电话"),
    ({"address": " "}, "address", "长度"),
    ({"unit_account": "610100000001"}, "unit_account", "不允许的字段"),
])
def test_f6_1_each_online_field_is_validated_in_chinese(data, field, message):
    with pytest.raises(BusinessError) as err:
        load(ChangeEmployerSchema(), data)
    assert any(d["field"] == field and message in d["message"] for d in err.value.details)


def test_f6_1_values_are_trimmed_and_id_check_digit_accepted():
    number = resident_id()
    data = load(ChangeEmployerSchema(), {"address": "  新址路8号 ", "legal_person_id_number": number.lower()})
    assert data == {"address": "新址路8号", "legal_person_id_number": number}


def test_f6_1_counter_may_change_clerks_and_the_record_masks_them():
    new_clerk = {"name": "李经办", "id_number": resident_id(), "mobile": "13800001111"}
    data = load(CounterChangeSchema(), {"clerks": [new_clerk], "name": "乙公司"})
    items = rules.change_items(CURRENT, data)
    assert [i["field"] for i in items] == ["name", "clerks"]
    with pytest.raises(BusinessError, match="不能重复"):
        rules.check_distinct_clerks([new_clerk, {**new_clerk, "name": "另一人"}])
    shown = rules.display_items(items)[1]
    assert shown["old"] == "钱经办（1101**********0021，139****5678）"
    assert new_clerk["id_number"] not in shown["new"] and "138****1111" in shown["new"]


def test_f6_1_changed_event_names_fields_and_new_values_without_clerks():
    items = rules.change_items(CURRENT, {"name": "乙公司", "employer_rate": Decimal("0.10"),
                                         "clerks": [{"name": "李", "id_number": "x", "mobile": "1"}]})
    event = rules.changed_event("610100000001", "DWBG1", rules.COUNTER, items)
    assert event["fields"] == ["name", "clerks", "employer_rate"]
    assert event["values"] == {"name": "乙公司", "employer_rate": "0.1"}


def test_f6_2_change_number():
    assert rules.change_number(date(2026, 11, 27), 42) == "DWBG20261127000042"


def test_f2_1_shortcuts_known_distinct_and_at_most_twelve():
    ids = list(BY_ID)
    rules.check_shortcuts(ids[:rules.MAX_SHORTCUTS], BY_ID)
    for wrong, message in ((ids[:rules.MAX_SHORTCUTS + 1], "最多12个"), (["F3.1", "F3.1"], "只能添加一次"),
                           (["F99.9"], "F99.9")):
        with pytest.raises(BusinessError) as err:
            rules.check_shortcuts(wrong, BY_ID)
        assert any(message in d["message"] for d in err.value.details)


def test_f2_1_finished_task_message_says_outcome_and_failures():
    snapshot = {"title": "个人开户", "kind": "opening", "total": 10, "failed": 3, "message": None}
    title, body = rules.task_message(snapshot, "部分成功")
    assert title == "个人开户部分成功" and "共10笔" in body and "失败3笔" in body
    _, body = rules.task_message({**snapshot, "failed": 0}, "成功")
    assert "失败" not in body


@pytest.mark.parametrize("data, field", [
    ({"type": "闲聊", "content": "请问缴存比例如何调整？"}, "type"),
    ({"type": "建议", "content": "太短"}, "content"),
    ({"type": "建议", "content": "长" * 1001}, "content"),
    ({"type": "建议"}, "content"),
])
def test_f17_1_consultation_type_and_length_limits(data, field):
    with pytest.raises(BusinessError) as err:
        load(ConsultationInSchema(), data)
    assert [d["field"] for d in err.value.details] == [field]
