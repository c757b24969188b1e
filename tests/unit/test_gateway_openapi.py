"""The OpenAPI document says what the responses are (decimals as strings, the live stream as text)
and what the requests may be: a request schema admits what the service takes and refuses, where
a schema can say it, what it refuses."""
import re
from datetime import date
from types import SimpleNamespace

import pytest

from services.accounts import rules as accounts_rules
from services.accounts.schemas import MemberChangeInSchema
from services.accounts.status_rules import clean_account_no
from services.contributions import supplementary
from services.contributions.schemas import AnnualSubmitSchema
from services.employer.functions import BY_ID as FUNCTIONS
from services.employer.rules import MAX_SHORTCUTS, check_shortcuts
from services.gateway import api  # noqa: F401  (registers the routes)
from services.gateway.openapi import openapi_document
from shared.errors import BusinessError
from shared.identity import IdentityError, id_check_digit, parse_mobile, parse_resident_id
from shared.money import MoneyError, to_money
from shared.schemas import load
from shared.text import normalize_text, typed_pattern


def _properties(document):
    for name, schema in document["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            yield name, field, prop


def test_no_property_is_declared_a_number_where_the_api_sends_a_decimal_string():
    numbers = [(name, field) for name, field, prop in _properties(openapi_document())
               if prop.get("type") == "number"]
    assert numbers == []


def test_every_pattern_is_an_ecmascript_regex():
    """JSON Schema patterns are ECMAScript's: Python's own anchors, named groups and inline flags
    mean something else there, or nothing."""
    python_only = re.compile(r"\\[AZ]|\(\?P|\(\?[aiLmsux]")
    patterns = [(name, field, prop["pattern"]) for name, field, prop in _properties(openapi_document())
                if "pattern" in prop]
    assert patterns and [p for p in patterns if python_only.search(p[2])] == []


def test_rates_and_money_are_decimal_strings():
    schemas = openapi_document()["components"]["schemas"]
    assert schemas["EmployerOut"]["properties"]["employer_rate"] == {"type": "string", "format": "decimal"}
    assert schemas["MemberOut"]["properties"]["base"]["type"] == "string"


def test_the_live_stream_is_text_not_a_binary_file():
    events = openapi_document()["paths"]["/api/v1/tasks/{task_id}/events"]["get"]["responses"]["200"]
    schema = events["content"]["text/event-stream"]["schema"]
    assert schema["type"] == "string" and "format" not in schema


# ---------- request schemas say what the services take ----------

ID = "11010519491231002" + id_check_digit("11010519491231002")
FULL_WIDTH_ID = " " + ID[:-1].translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}) + ID[-1].lower() + "　"


@pytest.fixture(scope="module")
def schemas():
    return openapi_document()["components"]["schemas"]


def _admits(schemas, name, field, value):
    """Whether the document's pattern of `name.field` admits `value` (a JSON Schema pattern is a search)."""
    return re.search(schemas[name]["properties"][field]["pattern"], value) is not None


def test_typed_patterns_admit_what_normalize_text_makes_match_the_rule():
    pattern = typed_pattern(r"[0-9]{2}X", upper=True, blank_ok=True)
    def taken(typed):
        return not typed.strip() or re.fullmatch("[0-9]{2}X", normalize_text(typed).upper())
    for typed in ("12X", " １２ｘ ", "", "  "):
        assert re.search(pattern, typed) and taken(typed)
    for typed in ("1 2X", "123X", "12Y", "١٢X"):
        assert not re.search(pattern, typed) and not taken(typed)


def test_an_opening_draft_s_id_number_mobile_and_base_have_the_shapes_the_rules_take(schemas):
    assert parse_resident_id(FULL_WIDTH_ID).number == ID and _admits(schemas, "DraftIn", "id_number", FULL_WIDTH_ID)
    for refused in (ID[:-1], ID + "0", ID[:-1] + "Y"):
        with pytest.raises(IdentityError):
            parse_resident_id(refused)
        assert not _admits(schemas, "DraftIn", "id_number", refused)
    assert parse_mobile(" １３８００１３８０００") and _admits(schemas, "DraftIn", "mobile", " １３８００１３８０００")
    assert not _admits(schemas, "DraftIn", "mobile", "12800138000")
    assert to_money(" ５,０００.５ ") and _admits(schemas, "DraftIn", "base", " ５,０００.５ ")
    for refused in ("5000.505", "5e3", "5 000"):
        with pytest.raises(MoneyError):
            to_money(refused)
        assert not _admits(schemas, "DraftIn", "base", refused)
    assert not _admits(schemas, "DraftIn", "name", "=HYPERLINK(1)") and not _admits(schemas, "DraftIn", "name", "  ")
    assert _admits(schemas, "DraftIn", "name", " 张三 ") and _admits(schemas, "DraftIn", "address", "")
    assert not accounts_rules.check_opening({"name": " 张三 ", "id_number": FULL_WIDTH_ID, "base": " ５,０００.５ ",
                                             "mobile": " １３８００１３８０００", "address": ""},
                                            accounts_rules.OpeningLimits(1, 10 ** 6, 16, 60, 55, date(2000, 1, 1)))[1]


def test_a_member_change_is_refused_in_the_document_where_check_change_refuses_it(schemas):
    member = SimpleNamespace(household="", address="", mobile="13800138000", phone="")
    accepted = {"address": " =不是公式", "phone": "０２９－８８８８８８８", "mobile": "１３９００１３９０００"}
    assert accounts_rules.check_change(load(MemberChangeInSchema(), accepted), member)
    assert all(_admits(schemas, "MemberChangeIn", field, value) for field, value in accepted.items())
    for field, refused in (("address", "=HYPERLINK(1)"), ("phone", "-8888888"), ("mobile", "1380013800")):
        with pytest.raises(BusinessError):
            accounts_rules.check_change(load(MemberChangeInSchema(), {field: refused}), member)
        assert not _admits(schemas, "MemberChangeIn", field, refused)


@pytest.mark.parametrize("name", ["SupplementaryDraftIn", "SupplementaryDraftChange"])
def test_a_supplementary_row_s_month_amount_and_reason_say_what_the_rules_take(schemas, name):
    assert supplementary.clean_month("２０２５０７", "202508", "202507") == "202507"
    assert supplementary.clean_amount(" 1,000.50 ") and supplementary.clean_reason(" 漏缴 ") == "漏缴"
    assert _admits(schemas, name, "month", "２０２５０７") and _admits(schemas, name, "amount", " 1,000.50 ")
    assert _admits(schemas, name, "reason", " 漏缴 ")
    for field, refused, rule in (("month", "202513", lambda v: supplementary.clean_month(v, "202508", "202507")),
                                 ("amount", "-100", supplementary.clean_amount),
                                 ("amount", "100.001", supplementary.clean_amount),
                                 ("reason", "＝SUM(A1)", supplementary.clean_reason),
                                 ("reason", "   ", supplementary.clean_reason)):
        with pytest.raises(BusinessError):
            rule(refused)
        assert not _admits(schemas, name, field, refused)


def test_status_roster_rows_say_which_account_numbers_reasons_and_id_numbers_are_taken(schemas):
    assert clean_account_no(" ６１０１９０００００００１ ") == ("6101900000001", None)
    for name in ("SealDraftIn", "UnsealDraftIn", "TransferDraftIn"):
        assert _admits(schemas, name, "account_no", " ６１０１９０００００００１ ")
        assert _admits(schemas, name, "account_no", " ")  # found by another field (seal) or left to choose (transfer)
        assert clean_account_no("6101-9")[1] and not _admits(schemas, name, "account_no", "6101-9")
        assert not _admits(schemas, name, "reason", "  ") and _admits(schemas, name, "reason", " 离职 ")
    assert _admits(schemas, "TransferDraftIn", "id_number", FULL_WIDTH_ID.strip())
    assert not _admits(schemas, "TransferDraftIn", "id_number", "身份证")
    assert _admits(schemas, "UnsealDraftIn", "base", "5000") and not _admits(schemas, "UnsealDraftIn", "base", "五千")


def test_shortcuts_are_known_functions_each_once_and_at_most_max_shortcuts(schemas):
    ids = schemas["ShortcutsIn"]["properties"]["function_ids"]
    assert ids["items"]["enum"] == list(FUNCTIONS)
    assert ids["maxItems"] == MAX_SHORTCUTS and ids["uniqueItems"] is True
    chosen = list(FUNCTIONS)[:MAX_SHORTCUTS]
    check_shortcuts(chosen, FUNCTIONS)
    for refused in (chosen + [list(FUNCTIONS)[MAX_SHORTCUTS]], ["F1.1"], ["F3.1", "F3.1"]):
        with pytest.raises(BusinessError):
            check_shortcuts(refused, FUNCTIONS)


def test_the_annual_rates_and_a_changed_base_say_how_many_places_are_taken(schemas):
    assert load(AnnualSubmitSchema(), {"employer_rate": "０.１２５"})["employer_rate"] == to_money("0.125", 4)
    assert _admits(schemas, "AnnualSubmit", "employer_rate", "０.１２５")
    with pytest.raises(BusinessError):
        load(AnnualSubmitSchema(), {"employee_rate": "0.12345"})
    assert not _admits(schemas, "AnnualSubmit", "employee_rate", "0.12345")
    assert _admits(schemas, "AnnualDraftChange", "new_base", "6,000.00")
    assert not _admits(schemas, "AnnualDraftChange", "new_base", "6000.001")


def test_an_employer_change_s_legal_person_id_number_has_the_id_shape(schemas):
    assert _admits(schemas, "ChangeEmployer", "legal_person_id_number", FULL_WIDTH_ID)
    assert not _admits(schemas, "ChangeEmployer", "legal_person_id_number", "ID" + ID)


def test_a_draft_s_patch_requires_no_field_as_the_service_takes_part_of_one():
    document = openapi_document()
    body = document["paths"]["/api/v1/openings/drafts/{draft_id}"]["patch"]["requestBody"]
    name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    patch, whole = document["components"]["schemas"][name], document["components"]["schemas"]["DraftIn"]
    assert "required" not in patch and whole["required"]
    assert patch["properties"] == whole["properties"]
