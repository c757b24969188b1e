"""Marshmallow helpers: Chinese messages, money as strings, identity fields."""
import re
from datetime import date
from decimal import Decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from shared.errors import MAX_RECORD_ID, validation_error
from shared.identity import (
    ID_PATTERN, MOBILE_PATTERN, IdentityError, parse_credit_code, parse_mobile, parse_resident_id)
from shared.money import MoneyError, money_str, to_money
from shared.text import normalize_text, typed_pattern

_MESSAGES = {
    "Missing data for required field.": "必填项不能为空",
    "Field may not be null.": "必填项不能为空",
    "Not a valid string.": "应为文本",
    "Not a valid integer.": "应为整数",
    "Not a valid boolean.": "应为是或否",
    "Not a valid date.": "日期格式应为YYYY-MM-DD",
    "Not a valid datetime.": "时间格式不正确",
    "Not a valid mapping type.": "格式不正确",
    "Not a valid list.": "应为列表",
    "Unknown field.": "不允许的字段",
    "Invalid input type.": "格式不正确",
    "Not a valid number.": "应为数字",
    "Not a valid email address.": "电子邮箱格式不正确",
}


def _chinese(message):
    if message in _MESSAGES:
        return _MESSAGES[message]
    if message.startswith("Length must be between") or message.startswith("Shorter than") \
            or message.startswith("Longer than"):
        return "长度不符合要求"
    if message.startswith("Must be one of"):
        return "取值不在允许范围内"
    if message.startswith("Must be greater") or message.startswith("Must be less"):
        return "数值超出允许范围"
    # our own validators speak Chinese; any other library message must not reach a clerk
    return message if not message.isascii() else "格式不正确"


def flatten_errors(messages, prefix=""):
    """marshmallow's nested message dict → [{field, message}] in Chinese."""
    details = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            details.extend(flatten_errors(value, name))
    elif isinstance(messages, list):
        for value in messages:
            details.extend(flatten_errors(value, prefix))
    else:
        details.append({"field": prefix, "message": _chinese(str(messages))})
    return details


def load(schema, data, **kwargs):
    """Validate `data`; a failure is a VALIDATION_ERROR business error in Chinese."""
    if not isinstance(data, dict) and not kwargs.get("many"):
        raise validation_error([{"field": "", "message": "请求内容应为JSON对象"}])
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise validation_error(flatten_errors(exc.messages)) from None


MAX_PAGE = 100_000  # paging beyond this is a forged request, not a clerk browsing
MAX_OFFSET = 10_000_000


class StrictSchema(Schema):
    """Unknown fields are refused: a forged request changes nothing it should not."""

    class Meta:
        unknown = "raise"


class LenientSchema(Schema):
    class Meta:
        unknown = EXCLUDE


# dates a clerk may ask for; outside, time-zone arithmetic on them overflows
DATE_RANGE = validate.Range(date(1900, 1, 1), date(2999, 12, 31), error="日期超出允许范围")


def RecordId(**kwargs):
    """A record id in a request body: a whole number the databases can hold."""
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_RECORD_ID, error="编号不存在"), **kwargs)


class DateRangeSchema(LenientSchema):
    """A query by date range (YYYY-MM-DD); either end may be left open."""

    start = fields.Date(load_default=None, validate=DATE_RANGE, metadata={"description": "开始日期 YYYY-MM-DD"})
    end = fields.Date(load_default=None, validate=DATE_RANGE, metadata={"description": "结束日期 YYYY-MM-DD"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("开始日期不能晚于结束日期", "start")


class ChangeItemSchema(LenientSchema):
    """One changed field of a change record (employer or member): its label, old and new value."""
    field = fields.String()
    label = fields.String()
    old = fields.String(allow_none=True)
    new = fields.String(allow_none=True)


class StatusCountSchema(LenientSchema):
    """A headcount line: a status code, its Chinese name, how many."""
    code = fields.String()
    name = fields.String()
    count = fields.Integer()


class ClerkIdentitySchema(StrictSchema):
    """The unit and clerk a clerk says he is (F1.1, F1.2): auth receives it, employer checks it."""

    unit_account = fields.String(required=True, validate=validate.Length(1, 20))
    unit_name = fields.String(required=True, validate=validate.Length(1, 100))
    clerk_name = fields.String(required=True, validate=validate.Length(1, 50))
    clerk_id_number = fields.String(required=True, validate=validate.Length(1, 18))
    clerk_mobile = fields.String(required=True, validate=validate.Length(1, 11))

    @post_load
    def _as_registered(self, data, **kwargs):
        """Blanks around what a clerk typed are not part of it; an ID number's x is X."""
        for key in ("unit_account", "unit_name", "clerk_name", "clerk_id_number", "clerk_mobile"):
            if key in data:
                data[key] = data[key].strip()
        if "clerk_id_number" in data:
            data["clerk_id_number"] = data["clerk_id_number"].upper()
        return data


class Money(fields.Field):
    """Decimal inside, a "1234.50" string on the wire; floats refused."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money_str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (float, bool)):
            raise ValidationError("金额应以字符串表示，如\"1234.50\"")
        try:
            return to_money(value)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None


class Rate(fields.Field):
    """A rate as an exact fraction ("0.12"), at most `places` places (four by default): nothing is
    rounded before a rule sees it."""

    def __init__(self, places=4, **kwargs):
        super().__init__(**kwargs)
        self.places = places

    def _serialize(self, value, attr, obj, **kwargs):  # "0.1200": as many places as the column keeps
        return None if value is None else str(Decimal(value).quantize(Decimal(1).scaleb(-self.places)))

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (float, bool)):
            raise ValidationError("比例应以字符串表示，如\"0.12\"")
        try:
            return to_money(value, max_places=self.places)
        except MoneyError:
            raise ValidationError(f"比例格式不正确，最多保留{self.places}位小数，如0.12") from None


class _Parsed(fields.String):
    parser = None
    pattern = None  # the document's pattern of what the parser takes

    def __init__(self, **kwargs):
        if self.pattern:
            kwargs.setdefault("metadata", {}).setdefault("pattern", self.pattern)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return type(self).parser(text)
        except IdentityError as exc:
            raise ValidationError(str(exc)) from None


class ResidentIdNumber(_Parsed):
    parser = staticmethod(lambda text: parse_resident_id(text).number)
    pattern = ID_PATTERN


class CreditCode(_Parsed):
    parser = staticmethod(parse_credit_code)


class Mobile(_Parsed):
    parser = staticmethod(parse_mobile)
    pattern = MOBILE_PATTERN


class Digits(fields.String):
    """A number a clerk types as digits (postal code, bank account, phone): full-width digits are
    the ones he means and become ASCII, anything else that is not `allowed` is refused. The
    document's pattern admits what is accepted: full-width forms and surrounding blanks too."""

    def __init__(self, low, high, error, extra="", blank_ok=False, **kwargs):
        self.rule = re.compile(rf"[0-9{re.escape(extra)}]{{{low},{high}}}")
        kwargs.setdefault("metadata", {}).setdefault("pattern", typed_pattern(self.rule.pattern, blank_ok=blank_ok))
        super().__init__(**kwargs)
        self.error, self.blank_ok = error, blank_ok

    def _deserialize(self, value, attr, data, **kwargs):
        text = normalize_text(super()._deserialize(value, attr, data, **kwargs))
        if text == "" and self.blank_ok:
            return text
        if not (text.isascii() and self.rule.fullmatch(text)):
            raise ValidationError(self.error)
        return text
