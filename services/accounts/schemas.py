"""What crosses the bus for the accounts service."""
from marshmallow import fields, validate

from services.accounts.rules import CONTRIBUTION_TYPES, ID_TYPES, LEDGER_TYPES, STATUSES, TEXT_LIMITS
from services.accounts.status_rules import ACCOUNT_NO, KIND_NAMES
from shared.identity import ID_PATTERN, MOBILE_PATTERN
from shared.money import amount_pattern
from shared.schemas import (
    MAX_PAGE, DateRangeSchema, Digits, ChangeItemSchema, LenientSchema, Mobile, Money, StatusCountSchema,
    StrictSchema)
from shared.text import typed_pattern
from shared.xlsx import text_pattern

PAGE = {"page": fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE)),
        "page_size": fields.Integer(load_default=50, validate=validate.Range(1, 500))}


FULL_WIDTH = "；全角数字与字母按半角处理"


class DraftInSchema(StrictSchema):
    """One row of the pending roster as the clerk types it; the rules check the values (each
    problem with its field's Chinese message), the document says what they accept."""
    name = fields.String(required=True, metadata={"maxLength": TEXT_LIMITS["name"],
                                                  "pattern": text_pattern(required=True), "description": "姓名"})
    id_number = fields.String(required=True, metadata={"pattern": ID_PATTERN,
                                                       "description": "18位居民身份证号码，末位x按X处理" + FULL_WIDTH})
    base = fields.String(required=True, metadata={"pattern": amount_pattern(),
                                                  "description": "缴存基数（元），最多2位小数，须在本年度上下限之间"
                                                                 + FULL_WIDTH})
    mobile = fields.String(required=True, metadata={"pattern": MOBILE_PATTERN, "description": "11位手机号码" + FULL_WIDTH})
    household = fields.String(load_default="", metadata={"maxLength": TEXT_LIMITS["household"],
                                                         "pattern": text_pattern(), "description": "户籍"})
    address = fields.String(load_default="", metadata={"maxLength": TEXT_LIMITS["address"], "pattern": text_pattern(),
                                                       "description": "家庭住址"})
    phone = fields.String(load_default="", metadata={"maxLength": TEXT_LIMITS["phone"], "pattern": text_pattern(),
                                                     "description": "固定电话"})



class DraftOutSchema(LenientSchema):
    id = fields.Integer()
    row_no = fields.Integer(allow_none=True)
    name = fields.String()
    id_number = fields.String()
    base = Money()
    mobile = fields.String()
    household = fields.String()
    address = fields.String()
    phone = fields.String()


class PageSchema(StrictSchema):
    page = PAGE["page"]
    page_size = PAGE["page_size"]


class DraftPageSchema(LenientSchema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    items = fields.List(fields.Nested(DraftOutSchema))


class ImportErrorSchema(LenientSchema):
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    message = fields.String()


class FileSchema(LenientSchema):
    filename = fields.String()
    content_type = fields.String()
    content_base64 = fields.String()


class ImportResultSchema(LenientSchema):
    imported = fields.Integer()
    errors = fields.List(fields.Nested(ImportErrorSchema))
    error_file = fields.Nested(FileSchema, allow_none=True,
                               metadata={"description": "报错文件：上传的出错行及错误原因（xlsx，base64）；无错误时为空"})


class BatchOutSchema(LenientSchema):
    batch_id = fields.String(attribute="batch_no")
    task_id = fields.String()
    status = fields.String()
    total = fields.Integer()
    opened = fields.Integer(attribute="done")
    failed = fields.Integer()
    opened_on = fields.Date()
    submitted_by = fields.String()
    submitted_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class MemberQuerySchema(StrictSchema):
    name = fields.String(validate=validate.Length(1, 50))
    id_number = fields.String(validate=validate.Length(1, 18))
    account_no = fields.String(validate=validate.Length(1, 20))


class MemberOutSchema(LenientSchema):
    account_no = fields.String()
    name = fields.String()
    id_type = fields.String()
    id_type_name = fields.Function(lambda m: ID_TYPES.get(m.id_type, m.id_type))
    id_number = fields.String()
    sex = fields.String()
    birth_date = fields.Date()
    base = Money()
    mobile = fields.String()
    household = fields.String()
    address = fields.String()
    phone = fields.String()
    status = fields.String()
    status_name = fields.Function(lambda m: STATUSES.get(m.status, m.status))
    opened_on = fields.Date()
    balance = Money()
    paid_up_to = fields.String(allow_none=True)  # YYYYMM of his latest 汇缴 row, from the ledger


class MemberChangeInSchema(StrictSchema):
    """F5.1; check_change refuses text a spreadsheet would run as a formula (as typed: nothing is
    trimmed), a phone that starts with "-" among it: the document's patterns say so."""
    household = fields.String(validate=validate.Length(0, TEXT_LIMITS["household"]),
                              metadata={"pattern": text_pattern(trimmed=False)})
    address = fields.String(validate=validate.Length(0, TEXT_LIMITS["address"]),
                            metadata={"pattern": text_pattern(trimmed=False)})
    mobile = Mobile()
    phone = Digits(7, 20, "固定电话格式不正确", extra="-", blank_ok=True,
                   metadata={"pattern": typed_pattern(r"[0-9][0-9\-]{6,19}", blank_ok=True)})


class MemberChangeOutSchema(LenientSchema):
    change_id = fields.String(attribute="change_no")
    account_no = fields.String()
    name = fields.String(attribute="member_name")
    items = fields.List(fields.Nested(ChangeItemSchema))
    clerk_name = fields.String()
    changed_at = fields.DateTime()


class MemberCountsSchema(LenientSchema):
    total = fields.Integer()
    by_status = fields.List(fields.Nested(StatusCountSchema))


class OpenedMemberSchema(LenientSchema):
    account_no = fields.String()
    id_number = fields.String()
    name = fields.String()
    base = Money()


class MembersOpenedSchema(LenientSchema):
    """Payload of the `members_opened` event."""
    unit_account = fields.String()
    batch_no = fields.String()
    opened_on = fields.Date()
    members = fields.List(fields.Nested(OpenedMemberSchema))


class VerificationPostingSchema(LenientSchema):
    """Payload of contributions' `verification_posting` event."""
    verification_no = fields.String(required=True, validate=validate.Length(1, 40))
    kind = fields.String(required=True, validate=validate.OneOf(CONTRIBUTION_TYPES))
    unit_account = fields.String(required=True, validate=validate.Length(1, 20))
    value_date = fields.Date(required=True)
    total_rows = fields.Integer(required=True, validate=validate.Range(min=0))


class VerificationRowsPostedSchema(LenientSchema):
    """Payload of `verification_rows_posted`: every member row of the verification is written."""
    verification_no = fields.String()
    unit_account = fields.String()
    rows = fields.Integer()


class LedgerRowSchema(LenientSchema):
    """A member ledger row (F4.1): `balance` is the balance after it."""
    date = fields.Date(attribute="value_date")
    type = fields.String()
    type_name = fields.Function(lambda row: LEDGER_TYPES.get(row.type, row.type))
    amount = Money()
    employer_amount = Money(allow_none=True)
    employee_amount = Money(allow_none=True)
    balance = Money(attribute="balance_after")
    month = fields.String(allow_none=True)
    reference = fields.String()
    summary = fields.String()


class OpeningsSubmittedSchema(LenientSchema):
    """`openings_submitted`: the accounts service tells itself to open a committed batch."""
    batch_id = fields.Integer()


# ---------- member status changes (F8-F10) ----------

# an account number as clean_account_no takes it; blank when the member is found otherwise
ACCOUNT_NO_PATTERN = typed_pattern(ACCOUNT_NO.pattern, blank_ok=True)
FINDER = {"account_no": fields.String(validate=validate.Length(1, 20),
                                      metadata={"description": "个人账号", "pattern": ACCOUNT_NO_PATTERN}),
          "id_number": fields.String(validate=validate.Length(1, 18), metadata={"description": "证件号码"}),
          "name": fields.String(validate=validate.Length(1, 50), metadata={"description": "姓名"})}
# the centre's list (configuration, served by GET …/reasons) is checked by clean_reason: here only "not blank"
REASON = fields.String(required=True, validate=validate.Length(1, 20),
                       metadata={"description": "原因，取自 reasons", "pattern": r"\S"})


class SealDraftInSchema(StrictSchema):
    """One member to seal, found by exactly one of account no., ID number, name."""
    account_no, id_number, name = FINDER["account_no"], FINDER["id_number"], FINDER["name"]
    reason = REASON


class UnsealDraftInSchema(SealDraftInSchema):
    base = fields.String(required=True, validate=validate.Length(1, 20),
                         metadata={"description": "新缴存基数（元）", "pattern": amount_pattern()})


class TransferDraftInSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 50),
                         metadata={"pattern": text_pattern(required=True)})
    id_number = fields.String(required=True, validate=validate.Length(1, 18), metadata={"pattern": ID_PATTERN})
    reason = REASON
    account_no = fields.String(validate=validate.Length(1, 20),
                               metadata={"description": "该职工有多个封存账户时，选择要转入的个人账号",
                                         "pattern": ACCOUNT_NO_PATTERN})


class ChangeDraftOutSchema(LenientSchema):
    id = fields.Integer()
    row_no = fields.Integer(allow_none=True)
    account_no = fields.String()
    name = fields.String()
    id_number = fields.String()
    reason = fields.String()
    base = Money(allow_none=True)
    from_unit = fields.String(allow_none=True)


class ChangeDraftPageSchema(LenientSchema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    items = fields.List(fields.Nested(ChangeDraftOutSchema))


class ChangeSubmitSchema(StrictSchema):
    draft_ids = fields.List(fields.Integer(validate=validate.Range(1, 2 ** 31 - 1)), load_default=None,
                            validate=validate.Length(max=50_000),
                            metadata={"description": "要提交的清册记录；不传或为空则全部提交"})


class ChangeQuerySchema(DateRangeSchema):
    name = fields.String(load_default=None, validate=validate.Length(0, 50))
    id_number = fields.String(load_default=None, validate=validate.Length(0, 18))


class StatusChangeOutSchema(LenientSchema):
    """A seal, unseal or transfer of one account (F9.5, F10.3); `batch_id` names its voucher."""
    record_id = fields.Integer(attribute="id")
    batch_id = fields.String()
    kind = fields.String()
    kind_name = fields.Function(lambda c: KIND_NAMES.get(c.kind, c.kind))
    account_no = fields.String()
    name = fields.String()
    id_number = fields.String()
    reason = fields.String()
    old_status = fields.String()
    old_status_name = fields.Function(lambda c: STATUSES.get(c.old_status, c.old_status))
    new_status = fields.String()
    new_status_name = fields.Function(lambda c: STATUSES.get(c.new_status, c.new_status))
    base = Money(attribute="new_base", allow_none=True)
    from_unit = fields.String(allow_none=True)
    to_unit = fields.String(attribute="unit_account")
    amount = Money(allow_none=True)
    changed_on = fields.Date()
    clerk_name = fields.String()
    changed_at = fields.DateTime()


class MergeInSchema(StrictSchema):
    from_account = fields.String(required=True, validate=validate.Length(1, 20), metadata={"description": "转出账户"})
    to_account = fields.String(required=True, validate=validate.Length(1, 20), metadata={"description": "转入账户"})


class MergeQuerySchema(StrictSchema):
    from_account = fields.String(load_default=None, validate=validate.Length(0, 20))
    to_account = fields.String(load_default=None, validate=validate.Length(0, 20))


class MergeOutSchema(LenientSchema):
    merge_no = fields.String()
    from_account = fields.String()
    to_account = fields.String()
    name = fields.String()
    id_number = fields.String()
    amount = Money()
    merged_on = fields.Date()
    clerk_name = fields.String()
    merged_at = fields.DateTime()


class AccountQuerySchema(StrictSchema):
    account_no = fields.String(required=True, validate=validate.Length(1, 20), metadata={"description": "个人账号"})


class SealedAccountSchema(LenientSchema):
    account_no = fields.String()
    status_name = fields.Function(lambda m: STATUSES.get(m.status, m.status))
    opened_on = fields.Date()


class StatementQuerySchema(StrictSchema):
    year = fields.Integer(required=True, strict=False, validate=validate.Range(1990, 2999),
                          metadata={"description": "公积金年度，如2025（2025年7月1日至2026年6月30日）"})
    name = fields.String(load_default=None, validate=validate.Length(0, 50))
    id_number = fields.String(load_default=None, validate=validate.Length(0, 18))


class StatementLineSchema(LenientSchema):
    """A member account's year (F4.3): closing = carried + every movement."""
    account_no = fields.String()
    name = fields.String()
    id_number = fields.String()
    status = fields.String()
    status_name = fields.String()
    carried = Money()
    remitted = Money()
    supplementary = Money()
    transfer_in = Money()
    transfer_out = Money()
    merge_in = Money()
    merge_out = Money()
    interest = Money()
    other = Money()
    closing = Money()


class InterestRunSchema(LenientSchema):
    """An HPF year's interest settlement as it stands."""
    year = fields.Integer()
    task_id = fields.String()
    status = fields.String()
    rate = fields.Decimal(as_string=True)
    day_basis = fields.String()
    accounts = fields.Integer(attribute="done")
    credited = fields.Integer()
    amount = Money()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class InterestSettlementSchema(LenientSchema):
    """`interest_settlement`: the accounts service tells itself to settle a year."""
    year = fields.Integer()


class ChangesSubmittedSchema(LenientSchema):
    """`changes_submitted`: the accounts service tells itself to apply a committed batch."""
    batch_id = fields.Integer()


PUBLISHED = {"openings_submitted": OpeningsSubmittedSchema, "changes_submitted": ChangesSubmittedSchema,
             "interest_settlement": InterestSettlementSchema, "members_opened": MembersOpenedSchema,
             "verification_rows_posted": VerificationRowsPostedSchema}


class AnnualBasesSchema(StrictSchema):
    """contributions → accounts: the bases an annual verification sets, as (account_no, base) pairs."""
    reference = fields.String(required=True, validate=validate.Length(1, 20))
    clerk_name = fields.String(required=True, validate=validate.Length(1, 50))
    rows = fields.List(fields.Tuple((fields.String(validate=validate.Length(1, 20)), Money())), required=True,
                       validate=validate.Length(max=100_000))
