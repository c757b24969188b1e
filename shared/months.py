"""Months as `YYYYMM` strings; the HPF year runs from July to the next June."""
import re
from datetime import date

from shared.errors import validation_error
from shared.text import typed_pattern

_MONTH = re.compile(r"([0-9]{4})(0[1-9]|1[0-2])")
HPF_YEAR_FIRST_MONTH = 7
# the OpenAPI pattern of a month a clerk types, as normalize_text then parse_month take it
TYPED_MONTH_PATTERN = typed_pattern(_MONTH.pattern)


class MonthError(ValueError):
    pass


def parse_month(value):
    text = str(value or "").strip()
    m = _MONTH.fullmatch(text)
    if not m:
        raise MonthError("月份格式应为YYYYMM")
    return int(m[1]), int(m[2])


def _fmt(year, month):
    return f"{year:04d}{month:02d}"


def add_months(value, n):
    year, month = parse_month(value)
    index = year * 12 + (month - 1) + n
    return _fmt(index // 12, index % 12 + 1)


def next_month(value):
    return add_months(value, 1)


def previous_month(value):
    return add_months(value, -1)


def month_of(day):
    return _fmt(day.year, day.month)


def hpf_year_of_month(value):
    """HPF year "2026" is 202607 … 202706."""
    year, month = parse_month(value)
    return year if month >= HPF_YEAR_FIRST_MONTH else year - 1


def checked_year(value):
    """An HPF year as a caller gives it: four ASCII digits."""
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise validation_error([{"field": "year", "message": "年度应为四位数字，如2026"}])
    return int(text)


def hpf_year_of(day: date):
    return hpf_year_of_month(month_of(day))


def hpf_year_months(year):
    first = _fmt(year, HPF_YEAR_FIRST_MONTH)
    return [add_months(first, i) for i in range(12)]
