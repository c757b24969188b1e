"""Identity validators: resident ID (GB 11643), credit code (GB 32100), mobile."""
import operator
import re
from dataclasses import dataclass
from datetime import date

from shared.text import normalize_text, typed_pattern

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")

_MOBILE = re.compile(r"1[3-9][0-9]{9}")

# the OpenAPI patterns of what the parsers below take (full-width forms and blanks around too);
# check digits and dates are theirs alone
ID_PATTERN = typed_pattern(_ID_SHAPE.pattern, upper=True)
MOBILE_PATTERN = typed_pattern(_MOBILE.pattern)


class IdentityError(ValueError):
    """A value that is not a valid identifier; the message is for the clerk."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: str  # "男" | "女"

    @property
    def is_male(self):
        return self.sex == "男"


def id_check_digit(first17):
    total = sum(map(operator.mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def parse_resident_id(value):
    """Validate an 18-digit resident ID; lowercase x is taken as X."""
    number = normalize_text(value or "").upper()
    if not _ID_SHAPE.fullmatch(number):
        raise IdentityError("证件号码须为18位居民身份证号码")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityError("证件号码中的出生日期无效") from None
    if id_check_digit(number[:17]) != number[17]:
        raise IdentityError("证件号码校验位错误，请核对")
    sex = "男" if int(number[16]) % 2 == 1 else "女"
    return ResidentId(number, birth, sex)


def uscc_check_char(first17):
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(value):
    """Validate an 18-character unified social credit code (GB 32100-2015)."""
    code = normalize_text(value or "").upper()
    if not _USCC_SHAPE.fullmatch(code):
        raise IdentityError("统一社会信用代码须为18位，由数字和大写字母组成")
    if uscc_check_char(code[:17]) != code[17]:
        raise IdentityError("统一社会信用代码校验位错误，请核对")
    return code


def parse_mobile(value):
    mobile = normalize_text(value or "")
    if not _MOBILE.fullmatch(mobile):
        raise IdentityError("手机号码须为11位有效号码")
    return mobile


def age_on(birth, day):
    """Whole years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def mask_id(number):
    return number[:4] + "*" * 10 + number[-4:] if number and len(number) == 18 else number


def mask_mobile(mobile):
    return mobile[:3] + "****" + mobile[-4:] if mobile and len(mobile) == 11 else mobile
