from marshmallow import fields

from shared.schemas import LenientSchema, Money


class PolicySchema(LenientSchema):
    year = fields.Integer()
    base_floor = Money()
    base_cap = Money()
    rate_min = fields.Decimal(as_string=True)
    rate_max = fields.Decimal(as_string=True)
    rounding_unit = fields.String()
    rounding_mode = fields.String()
    interest_rate = fields.Decimal(as_string=True)


class EmployerRegisteredSchema(LenientSchema):
    """The employer as the remittance account keeps it: from `employer_registered` or `get_employer`."""
    unit_account = fields.String(required=True)
    name = fields.String(required=True)
    employer_rate = fields.Decimal(required=True)
    employee_rate = fields.Decimal(required=True)
    opened_on = fields.Date(required=True)
    version = fields.Integer(load_default=0, attribute="employer_version")


class EmployerChangedSchema(LenientSchema):
    unit_account = fields.String(required=True)
    changed = fields.List(fields.String(), required=True, data_key="fields")
