"""The read path's written-out answer of 单位基本信息 against the schema the API document declares."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from services.employer.schemas import EmployerOutSchema, employer_out


def employer(**changes):
    values = {
        "unit_account": "610100000012", "name": "西安测试有限公司", "credit_code": "91610113MA6TG1XX2K",
        "address": "陕西省西安市高新区测试路1号", "postal_code": "710075", "bank_name": "中国工商银行西安分行",
        "bank_account": "6222000000000000001", "legal_person_name": "赵法人",
        "legal_person_id_number": "610113198001011234", "legal_person_phone": "029-88886666",
        "employer_rate": Decimal("0.12"), "employee_rate": Decimal("0.1050"), "status": "正常",
        "opened_on": date(2026, 3, 9), "first_month": "202603", "version": 3,
        "clerks": [SimpleNamespace(id=5, name="钱经办", id_number="61011319900101123X", mobile="13912345678"),
                   SimpleNamespace(id=9, name="李经办", id_number="610113199001011", mobile="1391234")],
    }
    values.update(changes)
    return SimpleNamespace(**values)


@pytest.mark.parametrize("record", [
    employer(),
    employer(legal_person_id_number=None, legal_person_phone=None, first_month=None),
    employer(employer_rate=Decimal("0.05"), employee_rate=Decimal("0.1200"), version=0, clerks=[]),
], ids=["whole", "without optional fields", "no clerks"])
def test_written_out_answer_is_the_schemas(record):
    assert employer_out(record) == EmployerOutSchema().dump(record)


def test_written_out_answer_masks_identity_numbers_and_mobiles():
    answer = employer_out(employer())
    assert answer["legal_person_id_number"] == "6101**********1234"
    assert answer["clerks"][0]["id_number"] == "6101**********123X"
    assert answer["clerks"][0]["mobile"] == "139****5678"
    assert answer["employer_rate"] == "0.1200" and answer["employee_rate"] == "0.1050"
