from marshmallow import fields, validate

from shared.schemas import ClerkIdentitySchema, LenientSchema, StrictSchema

_SHORT = validate.Length(1, 64)


class IdentitySchema(ClerkIdentitySchema):
    """The unit and clerk a login or a password reset is for, with the captcha (F1.1, F1.2)."""
    captcha_id = fields.String(required=True, validate=_SHORT)
    captcha_answer = fields.String(required=True, validate=_SHORT)


class LoginSchema(IdentitySchema):
    password = fields.String(required=True, validate=validate.Length(1, 128))


class PasswordResetSchema(ClerkIdentitySchema):
    class Meta(ClerkIdentitySchema.Meta):
        exclude = ("unit_name", "clerk_name")

    sms_code = fields.String(required=True, validate=validate.Length(1, 10))
    new_password = fields.String(required=True, validate=validate.Length(1, 128))


class ChangePasswordSchema(StrictSchema):
    old_password = fields.String(required=True, validate=validate.Length(1, 128))
    new_password = fields.String(required=True, validate=validate.Length(1, 128))


class CaptchaOutSchema(LenientSchema):
    captcha_id = fields.String()
    image_png_base64 = fields.String()
    expires_at = fields.String()


class SessionOutSchema(LenientSchema):
    token = fields.String()
    expires_at = fields.String()
    must_change_password = fields.Boolean()


class SmsCodeSentSchema(LenientSchema):
    mobile = fields.String(metadata={"description": "经办人登记的手机号码（部分隐藏）"})
    expires_at = fields.String()
    resend_after_seconds = fields.Integer()
