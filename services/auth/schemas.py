from marshmallow import fields, validate

from shared.schemas import StrictSchema

_SHORT = validate.Length(1, 64)


class LoginSchema(StrictSchema):
    unit_account = fields.String(required=True, validate=validate.Length(1, 20))
    unit_name = fields.String(required=True, validate=validate.Length(1, 100))
    clerk_name = fields.String(required=True, validate=validate.Length(1, 50))
    clerk_id_number = fields.String(required=True, validate=validate.Length(1, 18))
    clerk_mobile = fields.String(required=True, validate=validate.Length(1, 11))
    password = fields.String(required=True, validate=validate.Length(1, 128))
    captcha_id = fields.String(load_default=None, validate=_SHORT)
    captcha_answer = fields.String(load_default=None, validate=_SHORT)


class ChangePasswordSchema(StrictSchema):
    old_password = fields.String(required=True, validate=validate.Length(1, 128))
    new_password = fields.String(required=True, validate=validate.Length(1, 128))
