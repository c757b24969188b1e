from decimal import Decimal

from marshmallow import fields, validate

from services.contributions.annual import STATUS_NAMES as ANNUAL_STATUS_NAMES
from services.contributions.rules import (
    BOOK_NAMES, DAY_BASES, KIND_NAMES, LEDGER_TYPES, STATUS_NAMES, SUSPENSE_STATUS_NAMES)
from shared.identity import mask_id
from shared.money import ROUNDING_MODES, ROUNDING_UNITS, amount_pattern
from shared.months import TYPED_MONTH_PATTERN
from shared.schemas import MAX_PAGE, LenientSchema, Money, Rate, StrictSchema
from shared.xlsx import text_pattern

# `$(?!\n)` ends the text in Python's regexes (where `$` alone lets a trailing newline through) and
# in ECMAScript's, which the document's patterns are
MONTH = validate.Regexp(r"^[0-9]{4}(0[1-9]|1[0-2])$(?!\n)", error="月份格式应为YYYYMM")
# the column of a policy amount holds ten integer digits
POLICY_AMOUNT = validate.Range(max=Decimal("9999999999.99"), error="金额超出允许范围")


class PolicySchema(LenientSchema):
    year = fields.Integer()
    base_floor = Money()
    base_cap = Money()
    rate_min = Rate()
    rate_max = Rate()
    rounding_unit = fields.String()
    rounding_mode = fields.String()
    interest_rate = Rate(places=6)
    day_basis = fields.String()


class SetPolicySchema(StrictSchema):
    """The centre's numbers for one HPF year; what is left out is kept (or taken from the year before)."""
    year = fields.Integer(required=True, validate=validate.Range(1990, 2999))
    base_floor = Money(validate=POLICY_AMOUNT)
    base_cap = Money(validate=POLICY_AMOUNT)
    rate_min = Rate()
    rate_max = Rate()
    rounding_unit = fields.String(validate=validate.OneOf(tuple(ROUNDING_UNITS)))
    rounding_mode = fields.String(validate=validate.OneOf(tuple(ROUNDING_MODES)))
    interest_rate = Rate(places=6)
    day_basis = fields.String(validate=validate.OneOf(DAY_BASES))


class EmployerRegisteredSchema(LenientSchema):
    """The employer as the remittance account keeps it: from `employer_registered` or `get_employer`."""
    unit_account = fields.String(required=True)
    name = fields.String(required=True)
    employer_rate = fields.Decimal(required=True)
    employee_rate = fields.Decimal(required=True)
    opened_on = fields.Date(required=True)
    first_month = fields.String(load_default=None, allow_none=True, validate=MONTH)
    version = fields.Integer(load_default=0, attribute="employer_version")


class EmployerChangedSchema(LenientSchema):
    unit_account = fields.String(required=True)
    changed = fields.List(fields.String(), required=True, data_key="fields")


class RemittanceInSchema(StrictSchema):
    month = fields.String(required=True, validate=MONTH, metadata={"description": "汇缴月份 YYYYMM"})


class PaymentQuerySchema(LenientSchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(("remittance", "supplementary")))


class VerificationOutSchema(LenientSchema):
    verification_no = fields.String()
    kind = fields.String()
    kind_name = fields.Function(lambda v: KIND_NAMES[v.kind])
    unit_account = fields.String()
    employer_name = fields.String()
    month = fields.String(allow_none=True)
    status = fields.String()
    status_name = fields.Function(lambda v: STATUS_NAMES[v.status])
    headcount = fields.Integer()
    amount = Money()
    employer_amount = Money()
    employee_amount = Money()
    employer_rate = fields.Decimal(as_string=True)
    employee_rate = fields.Decimal(as_string=True)
    changes = fields.Dict()
    payment_reference = fields.Function(
        lambda v: v.verification_no if v.status in ("awaiting", "posting", "posted") else None,
        metadata={"description": "缴款附言须填写的核定号：提交后方生效"})
    clerk_name = fields.String()
    business_date = fields.Date()
    saved_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    value_date = fields.Date(allow_none=True)
    posted_at = fields.DateTime(allow_none=True)
    posting_task_id = fields.String(allow_none=True)
    roster_url = fields.Function(lambda v: f"/api/v1/{_path(v)}/{v.verification_no}/roster.xlsx")
    voucher_url = fields.Function(lambda v: f"/api/v1/{_path(v)}/{v.verification_no}/voucher.pdf")


def _path(verification):
    return "remittances" if verification.kind == "01" else "supplementaries"


# a supplementary row's month, amount and reason as the rules (services.contributions.supplementary)
# take them, added or changed: the document's patterns say what clean_month, clean_amount (a
# negative amount is never taken) and clean_reason accept
SUPPLEMENTARY = {
    "month": {"validate": validate.Length(1, 6), "metadata": {
        "description": "补缴月份 YYYYMM：本公积金年度内，且不晚于缴至月份", "pattern": TYPED_MONTH_PATTERN}},
    "amount": {"validate": validate.Length(1, 20), "metadata": {
        "description": "补缴金额（元），最多2位小数", "pattern": amount_pattern(signed=False)}},
    "reason": {"validate": validate.Length(1, 50), "metadata": {
        "description": "补缴原因", "pattern": text_pattern(required=True, full_width=True)}},
}


class SupplementaryDraftInSchema(StrictSchema):
    """One row of the supplementary roster as the clerk types it; the rules check the values."""
    account_no = fields.String(required=True, validate=validate.Length(1, 20), metadata={"description": "个人账号"})
    month = fields.String(required=True, **SUPPLEMENTARY["month"])
    amount = fields.String(required=True, **SUPPLEMENTARY["amount"])
    reason = fields.String(required=True, **SUPPLEMENTARY["reason"])


class SupplementaryDraftChangeSchema(StrictSchema):
    month = fields.String(**SUPPLEMENTARY["month"])
    amount = fields.String(**SUPPLEMENTARY["amount"])
    reason = fields.String(**SUPPLEMENTARY["reason"])


class SupplementaryDraftOutSchema(LenientSchema):
    id = fields.Integer()
    row_no = fields.Integer(allow_none=True)
    account_no = fields.String()
    name = fields.String()
    month = fields.String()
    amount = Money()
    employer_part = Money()
    employee_part = Money()
    reason = fields.String()


class PageQuerySchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class SupplementaryPageSchema(LenientSchema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    amount = Money(metadata={"description": "清册补缴金额合计"})
    items = fields.List(fields.Nested(SupplementaryDraftOutSchema))


class LedgerEntryOutSchema(LenientSchema):
    id = fields.Integer()
    date = fields.Date(attribute="entry_date")
    type = fields.String()
    type_name = fields.Function(lambda e: LEDGER_TYPES[e.type])
    book = fields.String()
    book_name = fields.Function(lambda e: BOOK_NAMES[e.book])
    amount = Money()
    balance = Money()
    month = fields.String(allow_none=True)
    reference = fields.String()
    summary = fields.String()


class LedgerQuerySchema(LenientSchema):
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)
    type = fields.String(load_default=None, validate=validate.OneOf(tuple(LEDGER_TYPES)))


class SuspenseItemOutSchema(LenientSchema):
    id = fields.Integer()
    amount = Money()
    value_date = fields.Date()
    reason = fields.String()
    status = fields.String()
    status_name = fields.Function(lambda i: SUSPENSE_STATUS_NAMES[i.status])
    verification_no = fields.String(allow_none=True)
    received_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)


class SuspenseOutSchema(LenientSchema):
    received = Money()
    held = Money()
    applied = Money()
    refunded = Money()
    balance = Money()
    message = fields.String(allow_none=True)
    items = fields.List(fields.Nested(SuspenseItemOutSchema))


class ReceiptResultSchema(LenientSchema):
    result = fields.String()
    verification_no = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    bank_ref = fields.String()
    suspense_item = fields.Integer(allow_none=True)


class RemittanceStatsSchema(LenientSchema):
    paid_up_to = fields.String(allow_none=True)
    first_month = fields.String(allow_none=True)
    months = fields.List(fields.Dict())


class VerificationPostingEventSchema(LenientSchema):
    """Payload of `verification_posting`: the accounts side writes the verification's member rows."""
    verification_no = fields.String()
    kind = fields.String(metadata={"description": "01 汇缴, 02 补缴"})
    unit_account = fields.String()
    value_date = fields.String(metadata={"description": "YYYY-MM-DD"})
    total_rows = fields.Integer()


PUBLISHED = {"verification_posting": VerificationPostingEventSchema}


# ---------- F11 annual base verification ----------

class AnnualDraftOutSchema(LenientSchema):
    id = fields.Integer()
    row_no = fields.Integer(allow_none=True)
    account_no = fields.String()
    name = fields.String()
    id_number = fields.Function(lambda d: mask_id(d.id_number))
    old_base = Money()
    new_base = Money()


class AnnualDraftChangeSchema(StrictSchema):
    new_base = fields.String(required=True, validate=validate.Length(1, 20),
                             metadata={"description": "新缴存基数（元）", "pattern": amount_pattern()})


class AnnualUnlistedSchema(LenientSchema):
    account_no = fields.String()
    name = fields.String()
    base = Money()


class AnnualPageSchema(LenientSchema):
    total = fields.Integer()
    changed = fields.Integer(metadata={"description": "清册中基数有变化的人数"})
    page = fields.Integer()
    page_size = fields.Integer()
    roster_total = fields.Integer(metadata={"description": "本年度核定名单人数（6月正常汇缴且目前正常缴存）"})
    unlisted = fields.Integer(metadata={"description": "名单中尚未列入清册的人数"})
    unlisted_sample = fields.List(fields.Nested(AnnualUnlistedSchema), metadata={"description": "未列入清册的前几人"})
    items = fields.List(fields.Nested(AnnualDraftOutSchema))


def _asked_rate(description):
    """A rate the clerk may give; the document's pattern is what the field takes (its places)."""
    rate = Rate(load_default=None, allow_none=True, metadata={"description": description})
    rate.metadata["pattern"] = amount_pattern(rate.places)
    return rate


class AnnualSubmitSchema(StrictSchema):
    """调整缴存比例: either or both; what is left out keeps the employer's rate."""
    employer_rate = _asked_rate("自7月起的单位缴存比例，如\"0.10\"")
    employee_rate = _asked_rate("自7月起的个人缴存比例")


class AnnualOutSchema(LenientSchema):
    annual_no = fields.String()
    year = fields.Integer()
    unit_account = fields.String()
    employer_name = fields.String()
    status = fields.String()
    status_name = fields.Function(lambda a: ANNUAL_STATUS_NAMES[a.status])
    headcount = fields.Integer()
    changed = fields.Integer()
    old_employer_rate = Rate()
    old_employee_rate = Rate()
    employer_rate = Rate()
    employee_rate = Rate()
    effective_month = fields.Function(lambda a: f"{a.year}07", metadata={"description": "新基数及比例起用月份"})
    clerk_name = fields.String()
    business_date = fields.Date()
    submitted_at = fields.DateTime()
    done_at = fields.DateTime(allow_none=True)
    task_id = fields.String()
    roster_url = fields.Function(lambda a: f"/api/v1/annual/{a.year}/roster.xlsx")
    voucher_url = fields.Function(lambda a: f"/api/v1/annual/{a.year}/voucher.pdf")


class AnnualStatusSchema(LenientSchema):
    """What the annual page shows first: the year to verify and whether it can be done now."""
    year = fields.Integer(allow_none=True)
    owed = fields.Boolean(metadata={"description": "本单位是否须办理该年度核定"})
    status = fields.String(allow_none=True, metadata={"description": "该年度核定的状态：applying | done，未办理为空"})
    can_start = fields.Boolean()
    refusal = fields.String(allow_none=True, metadata={"description": "现在不能办理的原因"})
    paid_up_to = fields.String(allow_none=True)
    first_month = fields.String(allow_none=True)
    base_floor = Money(allow_none=True)
    base_cap = Money(allow_none=True)
    rate_min = Rate(allow_none=True)
    rate_max = Rate(allow_none=True)
    employer_rate = Rate(allow_none=True)
    employee_rate = Rate(allow_none=True)
    keeps_unlisted = fields.Boolean(metadata={"description": "未列入清册的职工是否保留原基数"})
    annual = fields.Nested(AnnualOutSchema, allow_none=True)
