"""What crosses the bus for the employer service."""
from marshmallow import fields, validate

from shared.identity import mask_id, mask_mobile
from shared.schemas import CreditCode, LenientSchema, Mobile, ResidentIdNumber, StrictSchema

POSTAL = validate.Regexp(r"^\d{6}$", error="邮政编码须为6位数字")
BANK_ACCOUNT = validate.Regexp(r"^\d{8,30}$", error="银行账号须为8至30位数字")


class ClerkInSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    id_number = ResidentIdNumber(required=True)
    mobile = Mobile(required=True)


class RegisterEmployerSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(2, 100))
    credit_code = CreditCode(required=True)
    address = fields.String(required=True, validate=validate.Length(2, 200))
    postal_code = fields.String(required=True, validate=POSTAL)
    bank_name = fields.String(required=True, validate=validate.Length(2, 100))
    bank_account = fields.String(required=True, validate=BANK_ACCOUNT)
    legal_person_name = fields.String(required=True, validate=validate.Length(1, 50))
    legal_person_id_number = ResidentIdNumber(load_default=None, allow_none=True)
    legal_person_phone = fields.String(load_default=None, allow_none=True,
                                       validate=validate.Regexp(r"^[\d-]{7,20}$", error="联系电话格式不正确"))
    # fractions such as "0.12"; the bounds come from the year's policy
    employer_rate = fields.Decimal(required=True, places=4, as_string=True)
    employee_rate = fields.Decimal(required=True, places=4, as_string=True)
    clerks = fields.List(fields.Nested(ClerkInSchema), required=True, validate=validate.Length(1, 10))


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
    legal_person_id_number = fields.Function(lambda e: mask_id(e.legal_person_id_number))
    legal_person_phone = fields.String()
    employer_rate = fields.Decimal(as_string=True)
    employee_rate = fields.Decimal(as_string=True)
    status = fields.String()
    opened_on = fields.Date()
    clerks = fields.List(fields.Nested(ClerkOutSchema))


class EmployerRegisteredSchema(LenientSchema):
    """Payload of the `employer_registered` event."""
    unit_account = fields.String()
    name = fields.String()
    credit_code = fields.String()
    employer_rate = fields.Decimal(as_string=True)
    employee_rate = fields.Decimal(as_string=True)
    opened_on = fields.Date()


class VerifyClerkSchema(LenientSchema):
    unit_account = fields.String(required=True, validate=validate.Length(1, 20))
    unit_name = fields.String(required=True, validate=validate.Length(1, 100))
    clerk_name = fields.String(required=True, validate=validate.Length(1, 50))
    clerk_id_number = fields.String(required=True, validate=validate.Length(1, 18))
    clerk_mobile = fields.String(required=True, validate=validate.Length(1, 11))

