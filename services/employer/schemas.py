"""What crosses the bus for the employer service."""
from marshmallow import fields, pre_dump, pre_load, validate

from services.employer.functions import BY_ID as FUNCTIONS
from services.employer.rules import (
    CONSULTATION_TYPES, CONTENT_MAX, CONTENT_MIN, MAX_SHORTCUTS, MESSAGE_KINDS, PENDING, REPLIED, REPLY_MAX,
    display_items)
from shared.identity import mask_id, mask_mobile
from shared.schemas import (
    MAX_OFFSET, ChangeItemSchema, CreditCode, Digits, LenientSchema, Mobile, Rate, RecordId, ResidentIdNumber,
    StatusCountSchema, StrictSchema)



def postal_code_field(**kwargs):
    return Digits(6, 6, "邮政编码须为6位数字", **kwargs)


def bank_account_field(**kwargs):
    return Digits(8, 30, "银行账号须为8至30位数字", **kwargs)


def phone_field(**kwargs):
    return Digits(7, 20, "联系电话格式不正确", extra="-", **kwargs)


MONTH = validate.Regexp(r"^(19|20)[0-9]{2}(0[1-9]|1[0-2])$", error="月份格式应为YYYYMM")


class ClerkInSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    id_number = ResidentIdNumber(required=True)
    mobile = Mobile(required=True)


class RegisterEmployerSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(2, 100))
    credit_code = CreditCode(required=True)
    address = fields.String(required=True, validate=validate.Length(2, 200))
    postal_code = postal_code_field(required=True)
    bank_name = fields.String(required=True, validate=validate.Length(2, 100))
    bank_account = bank_account_field(required=True)
    legal_person_name = fields.String(required=True, validate=validate.Length(1, 50))
    legal_person_id_number = ResidentIdNumber(load_default=None, allow_none=True)
    legal_person_phone = phone_field(load_default=None, allow_none=True)
    # fractions such as "0.12"; the bounds come from the year's policy
    employer_rate = Rate(required=True)
    employee_rate = Rate(required=True)
    clerks = fields.List(fields.Nested(ClerkInSchema), required=True, validate=validate.Length(1, 10))
    # 首次汇缴月份: the remittance account's first month; the registration month when left out
    first_month = fields.String(load_default=None, allow_none=True, validate=MONTH)


class ClerkOutSchema(LenientSchema):
    id = fields.Integer()
    name = fields.String()
    id_number = fields.Function(lambda clerk: mask_id(clerk.id_number))
    mobile = fields.Function(lambda clerk: mask_mobile(clerk.mobile))


class EmployerOutSchema(LenientSchema):
    unit_account = fields.String()
    name = fields.String()
    credit_code = fields.String()
    address = fields.String()
    postal_code = fields.String()
    bank_name = fields.String()
    bank_account = fields.String()
    legal_person_name = fields.String()
    legal_person_id_number = fields.Function(lambda e: mask_id(e.legal_person_id_number), allow_none=True)
    legal_person_phone = fields.String(allow_none=True)
    employer_rate = Rate()
    employee_rate = Rate()
    status = fields.String()
    opened_on = fields.Date()
    first_month = fields.String(allow_none=True)
    version = fields.Integer()  # grows with each change: listeners keep the newest they have seen
    clerks = fields.List(fields.Nested(ClerkOutSchema))


def employer_out(employer):
    """`EmployerOutSchema().dump(employer)` written out, for the read path (单位基本信息 is the hall's
    most frequent read): the same fields, masks and formats, about a tenth of a dump's cost. The
    schema stays what the API document and the other answers use; a test holds the two equal."""
    return {
        "unit_account": _text(employer.unit_account),
        "name": _text(employer.name),
        "credit_code": _text(employer.credit_code),
        "address": _text(employer.address),
        "postal_code": _text(employer.postal_code),
        "bank_name": _text(employer.bank_name),
        "bank_account": _text(employer.bank_account),
        "legal_person_name": _text(employer.legal_person_name),
        "legal_person_id_number": mask_id(employer.legal_person_id_number),
        "legal_person_phone": _text(employer.legal_person_phone),
        "employer_rate": _RATE._serialize(employer.employer_rate, None, None),
        "employee_rate": _RATE._serialize(employer.employee_rate, None, None),
        "status": _text(employer.status),
        "opened_on": None if employer.opened_on is None else employer.opened_on.isoformat(),
        "first_month": _text(employer.first_month),
        "version": None if employer.version is None else int(employer.version),
        "clerks": [{"id": None if clerk.id is None else int(clerk.id), "name": _text(clerk.name),
                    "id_number": mask_id(clerk.id_number), "mobile": mask_mobile(clerk.mobile)}
                   for clerk in employer.clerks],
    }


def _text(value):
    return None if value is None else str(value)


_RATE = Rate()  # as EmployerOutSchema declares its rates


class EmployerRegisteredSchema(LenientSchema):
    """Payload of the `employer_registered` event."""
    unit_account = fields.String()
    name = fields.String()
    credit_code = fields.String()
    employer_rate = Rate()
    employee_rate = Rate()
    opened_on = fields.Date()
    first_month = fields.String(allow_none=True)


class TrimmedSchema(StrictSchema):
    """What a person typed: surrounding blanks are not part of it."""

    @pre_load
    def strip(self, data, **kwargs):
        return {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}


class ChangeEmployerSchema(TrimmedSchema):
    """F6.1 online: the fields a clerk may change, each optional, each validated."""
    address = fields.String(validate=validate.Length(2, 200))
    postal_code = postal_code_field()
    bank_name = fields.String(validate=validate.Length(2, 100))
    bank_account = bank_account_field()
    legal_person_name = fields.String(validate=validate.Length(1, 50))
    legal_person_id_number = ResidentIdNumber(allow_none=True)
    legal_person_phone = phone_field(allow_none=True)


class CounterChangeSchema(ChangeEmployerSchema):
    """At the centre's counter the unit name, clerks and rates may change too."""
    name = fields.String(validate=validate.Length(2, 100))
    employer_rate = Rate()
    employee_rate = Rate()
    clerks = fields.List(fields.Nested(ClerkInSchema), validate=validate.Length(1, 10))


class AnnualRateChangeSchema(StrictSchema):
    """contributions → employer: the rates an annual verification of `year` sets."""
    employer_rate = Rate(required=True)
    employee_rate = Rate(required=True)
    year = fields.Integer(required=True, validate=validate.Range(1990, 2999))


class ChangeOutSchema(LenientSchema):
    id = fields.Integer()
    number = fields.String()
    channel = fields.String()
    clerk_name = fields.String()
    business_date = fields.Date()
    changed_at = fields.DateTime()
    items = fields.List(fields.Nested(ChangeItemSchema))

    @pre_dump
    def masked(self, change, **kwargs):
        return {**{name: getattr(change, name) for name in self.fields}, "items": display_items(change.items)}


class FunctionSchema(LenientSchema):
    id = fields.String()
    name = fields.String()
    menu = fields.String()


class ShortcutsInSchema(StrictSchema):
    """The whole list: check_shortcuts takes known functions, each once, at most MAX_SHORTCUTS; the
    document says so."""
    function_ids = fields.List(fields.String(validate=validate.Length(1, 10), metadata={"enum": list(FUNCTIONS)}),
                               required=True, metadata={"maxItems": MAX_SHORTCUTS, "uniqueItems": True})


class ShortcutsOutSchema(LenientSchema):
    shortcuts = fields.List(fields.Nested(FunctionSchema))
    available = fields.List(fields.Nested(FunctionSchema))
    max = fields.Integer()


class MessageQuerySchema(LenientSchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(MESSAGE_KINDS))
    unread = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class MessageOutSchema(LenientSchema):
    id = fields.Integer()
    kind = fields.String()
    kind_name = fields.Function(lambda m: MESSAGE_KINDS[m.kind])
    title = fields.String()
    body = fields.String()
    ref = fields.Dict()
    created_at = fields.DateTime()
    read = fields.Function(lambda m: m.read_at is not None)


class MessagesOutSchema(LenientSchema):
    unread = fields.Integer()
    unread_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
    items = fields.List(fields.Nested(MessageOutSchema))


class MarkReadSchema(StrictSchema):
    ids = fields.List(RecordId(), load_default=list, validate=validate.Length(max=500))
    all = fields.Boolean(load_default=False)


class NoticeSchema(TrimmedSchema):
    """Centre side: a notice to the named employers, or to every employer when none is named."""
    title = fields.String(required=True, validate=validate.Length(1, 100))
    content = fields.String(required=True, validate=validate.Length(1, 2000))
    unit_accounts = fields.List(fields.String(validate=validate.Length(1, 20)), load_default=list)


class ConsultationInSchema(TrimmedSchema):
    type = fields.String(required=True, validate=validate.OneOf(
        CONSULTATION_TYPES, error="咨询类型须为" + "、".join(CONSULTATION_TYPES) + "之一"))
    content = fields.String(required=True, validate=validate.Length(
        CONTENT_MIN, CONTENT_MAX, error=f"内容须为{CONTENT_MIN}至{CONTENT_MAX}个字"))


class ConsultationOutSchema(LenientSchema):
    id = fields.Integer()
    type = fields.String()
    content = fields.String()
    clerk_name = fields.String()
    status = fields.String()
    submitted_at = fields.DateTime()
    reply = fields.String(allow_none=True)
    replied_by = fields.String(allow_none=True)
    replied_at = fields.DateTime(allow_none=True)


class ConsultationQuerySchema(LenientSchema):
    status = fields.String(load_default=None, validate=validate.OneOf((PENDING, REPLIED)))


class ReplySchema(TrimmedSchema):
    reply = fields.String(required=True, validate=validate.Length(
        1, REPLY_MAX, error=f"答复内容须为1至{REPLY_MAX}个字"))
    replied_by = fields.String(load_default="中心客服", validate=validate.Length(1, 50))


class CentreConsultationSchema(ConsultationOutSchema):
    """What the centre sees of a consultation: whose it is, too."""
    unit_account = fields.Function(lambda c: c.employer.unit_account)
    employer_name = fields.Function(lambda c: c.employer.name)


class HeadcountSchema(LenientSchema):
    available = fields.Boolean()
    message = fields.String()
    total = fields.Integer(allow_none=True)
    by_status = fields.List(fields.Nested(StatusCountSchema))


class MonthlySchema(LenientSchema):
    available = fields.Boolean()
    paid_up_to = fields.String(allow_none=True)     # 缴至月份
    items = fields.List(fields.Dict())              # {month, headcount, amount, …}, oldest first
    message = fields.String(allow_none=True)


class HomeStatsSchema(LenientSchema):
    unit_account = fields.String()
    headcount = fields.Nested(HeadcountSchema)
    monthly = fields.Nested(MonthlySchema)


class EmployerChangedSchema(LenientSchema):
    """Payload of the `employer_changed` event: the changed fields and their new values (clerks aside)."""
    unit_account = fields.String()
    number = fields.String()
    channel = fields.String()
    fields_ = fields.List(fields.String(), data_key="fields")
    values = fields.Dict(keys=fields.String(), values=fields.Raw())


PUBLISHED = {"employer_registered": EmployerRegisteredSchema, "employer_changed": EmployerChangedSchema}
