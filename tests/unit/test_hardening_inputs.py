"""Inputs that once reached a 500 or were stored as something else than the clerk meant."""

import re

import jwt
import pytest

from services.employer.schemas import ChangeEmployerSchema, MarkReadSchema
from services.gateway.service import MAX_JSON_DEPTH, _storable
from shared.errors import BusinessError, record_id
from shared.identity import IdentityError, parse_mobile, parse_resident_id
from shared.money import MoneyError, to_money
from shared.months import MonthError, parse_month
from shared.pdf import check_voucher_code
from shared.schemas import DateRangeSchema, load
from shared.tokens import TokenError, issue_token, verify_token
from tests.factories import resident_id
from tests.unit.test_gateway_json_body import json_of

SECRET = "s" * 40
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("value", [2 ** 31, 2 ** 63, "9223372036854775808", "١٢", " 12", "-1", "0", True, 1.0])
def test_an_id_the_databases_cannot_hold_is_not_found(value):
    with pytest.raises(BusinessError) as err:
        record_id(value)
    assert err.value.status == 404


def test_a_real_id_is_taken():
    assert record_id("2147483647") == 2 ** 31 - 1 and record_id(7) == 7


@pytest.mark.parametrize("ids", [[2 ** 63], [2 ** 31], ["1"], [0]])
def test_message_ids_in_a_body_must_fit(ids):
    with pytest.raises(BusinessError) as err:
        load(MarkReadSchema(), {"ids": ids})
    assert err.value.code == "VALIDATION_ERROR"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_dates_out_of_any_calendar_a_clerk_uses_are_400(day):
    with pytest.raises(BusinessError) as err:
        load(DateRangeSchema(), {"start": day})
    assert err.value.details == [{"field": "start", "message": "日期超出允许范围"}]


def test_a_non_ascii_voucher_code_is_simply_not_valid():
    assert check_voucher_code(SECRET, "opening", "KH1", "610100000001", "验证码") is False


@pytest.mark.parametrize("claims", [{"jti": 5}, {"jti": ["a"]}, {"emp": {"a": 1}}, {"sub": 7}, {"pwc": "yes"}])
def test_a_signed_token_with_claims_of_the_wrong_type_is_refused(claims):
    _, good = issue_token(SECRET, employer_id="610100000001", clerk_id=1, minutes=5)
    with pytest.raises(TokenError):
        verify_token(SECRET, jwt.encode({**good, **claims}, SECRET, algorithm="HS256"))


def test_json_nested_deeper_than_any_request_is_refused():
    assert _storable({"a": [[["x"]]]})
    nested = "x"
    for _ in range(MAX_JSON_DEPTH + 1):
        nested = [nested]
    assert not _storable({"a": nested})
    with pytest.raises(BusinessError) as err:  # the decoder's own recursion limit, too
        json_of(b"[" * 1000 + b"]" * 1000, {"CONTENT_LENGTH": "2000"})
    assert err.value.code == "BAD_JSON"


@pytest.mark.parametrize("text", ["张\u200b三", "A\u202eB", "\ufeff地址", "名\u2066字\u2069"])
def test_hidden_and_bidirectional_characters_are_refused_in_every_json_body(text):
    assert not _storable({"name": text})
    assert _storable({"name": "张三·阿依古丽"})


def test_digits_of_other_scripts_are_refused_full_width_ones_are_what_the_clerk_meant():
    number = resident_id()
    with pytest.raises(IdentityError):
        parse_resident_id(number.translate(ARABIC_INDIC))
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert parse_resident_id(full_width).number == number
    with pytest.raises(IdentityError):
        parse_mobile("13900000001".translate(ARABIC_INDIC))
    with pytest.raises(MonthError):
        parse_month("202612".translate(ARABIC_INDIC))


@pytest.mark.parametrize("text", ["5_000", "٥٠٠٠", "1E+3", "5000.", ".5", "1 000"])
def test_amounts_are_written_as_people_write_them(text):
    with pytest.raises(MoneyError):
        to_money(text)


def test_amounts_people_write():
    assert to_money("５０００．５０") == to_money("5,000.50") == to_money("5000.5")


@pytest.mark.parametrize("rate", ["0.04996", "0.120001", 0.12, "12%"])
def test_a_rate_is_taken_exactly_or_refused_never_rounded_first(rate):
    from services.employer.schemas import CounterChangeSchema
    with pytest.raises(BusinessError) as err:
        load(CounterChangeSchema(), {"employer_rate": rate})
    assert err.value.details[0]["field"] == "employer_rate"


def test_a_rate_of_four_places_is_kept_as_given():
    from decimal import Decimal
    from services.employer.schemas import CounterChangeSchema
    assert load(CounterChangeSchema(), {"employer_rate": "0.0500"})["employer_rate"] == Decimal("0.0500")


def test_a_business_refusal_is_logged_as_one_info_line_without_traceback():
    import logging
    from shared.runner import ExpectedErrorFilter
    try:
        raise BusinessError("NOT_FOUND", "记录不存在")
    except BusinessError:
        import sys
        record = logging.LogRecord("nameko.containers", logging.WARNING, __file__, 1,
                                   "(expected) error handling worker %s: %s", ("w", "e"), sys.exc_info())
    assert ExpectedErrorFilter().filter(record)
    assert (record.levelname, record.exc_info) == ("INFO", None)
    unexpected = logging.LogRecord("nameko.containers", logging.ERROR, __file__, 1, "error handling worker %s: %s",
                                   ("w", "e"), None)
    ExpectedErrorFilter().filter(unexpected)
    assert unexpected.levelname == "ERROR"


@pytest.mark.parametrize("typed, stored", [("７１００７５", "710075"), (" 710075 ", "710075")])
def test_postal_codes_typed_in_full_width_digits_are_normalised(typed, stored):
    assert load(ChangeEmployerSchema(), {"postal_code": typed}) == {"postal_code": stored}


@pytest.mark.parametrize("field, typed", [("postal_code", "٧١٠٠٧٥"), ("postal_code", "7100755"),
                                          ("bank_account", "6222_0000_0000"), ("legal_person_phone", "029 888888")])
def test_digits_that_are_not_meant_are_refused(field, typed):
    with pytest.raises(BusinessError) as error:
        load(ChangeEmployerSchema(), {field: typed})
    assert error.value.details[0]["field"] == field


def test_bank_accounts_and_phones_in_full_width_are_normalised_and_the_document_admits_them():
    loaded = load(ChangeEmployerSchema(), {"bank_account": "６２２２０００００００００", "legal_person_phone": "０２９－８８８８８８８"})
    assert loaded == {"bank_account": "6222000000000", "legal_person_phone": "029-8888888"}
    pattern = ChangeEmployerSchema().fields["postal_code"].metadata["pattern"]
    assert re.fullmatch(pattern, "７１００７５") and re.fullmatch(pattern, " 710075 ") and not re.fullmatch(pattern, "71007")
