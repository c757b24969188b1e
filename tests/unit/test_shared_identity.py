"""Identity validators (F3.1 ID rule, F6.1 credit code, mobile)."""
from datetime import date

import pytest

from shared.identity import (IdentityError, age_on, mask_id, mask_mobile, parse_credit_code,
                             parse_mobile, parse_resident_id)
from tests.factories import resident_id


def test_known_valid_id_with_x_check_digit():
    rid = parse_resident_id("11010519491231002X")
    assert rid.birth_date == date(1949, 12, 31)
    assert rid.sex == "女"


def test_lowercase_x_is_taken_as_uppercase():
    assert parse_resident_id(" 11010519491231002x ").number == "11010519491231002X"


def test_sex_from_seventeenth_digit():
    assert parse_resident_id(resident_id(male=True)).sex == "男"
    assert parse_resident_id(resident_id(male=False)).sex == "女"


@pytest.mark.parametrize("bad, message", [
    ("110105194912310021", "校验位"),
    ("11010519491231002", "18位"),
    ("1101051949123100XX", "18位"),
    ("110105194902300028", "出生日期"),
    ("", "18位"),
])
def test_invalid_ids_are_refused_in_chinese(bad, message):
    with pytest.raises(IdentityError, match=message):
        parse_resident_id(bad)


def test_known_valid_credit_code():
    assert parse_credit_code("91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize("bad", ["91350100M000100Y44", "91350100M000100Y4", "91350100I000100Y43"])
def test_invalid_credit_codes(bad):
    with pytest.raises(IdentityError):
        parse_credit_code(bad)


def test_mobile():
    assert parse_mobile("13912345678") == "13912345678"
    for bad in ("12912345678", "1391234567", "139123456789", "1391234567a"):
        with pytest.raises(IdentityError):
            parse_mobile(bad)


def test_age_counts_whole_years():
    assert age_on(date(2000, 7, 2), date(2016, 7, 1)) == 15
    assert age_on(date(2000, 7, 1), date(2016, 7, 1)) == 16


def test_masks():
    assert mask_id("11010519491231002X") == "1101**********002X"
    assert mask_mobile("13912345678") == "139****5678"
