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


# ---------- events auth publishes (the bus document reads PUBLISHED) ----------

class LoginFailedSchema(LenientSchema):
    """`login_failed`: a failed login, counted toward the lockout and the address throttle."""
    unit_account = fields.String()
    source = fields.String(metadata={"description": "客户端地址"})
    at = fields.String()
    locked_until = fields.String(allow_none=True)


class SmsCodeRequestedSchema(LenientSchema):
    """`sms_code_requested`: for the centre's SMS gateway, which sends the code to the registered mobile."""
    mobile = fields.String()
    code = fields.String()
    purpose = fields.String()
    unit_account = fields.String()
    clerk_name = fields.String()
    expires_at = fields.String()


class RevokedSessionSchema(LenientSchema):
    jti = fields.String()
    expires_at = fields.String()


class SessionRevokedSchema(LenientSchema):
    """`session_revoked` (broadcast: every gateway replica hears it)."""
    sessions = fields.List(fields.Nested(RevokedSessionSchema))


class DevCaptchaIssuedSchema(LenientSchema):
    """`dev_captcha_issued`: development mode only, for `hpf dev captcha`."""
    captcha_id = fields.String()
    answer = fields.String()


PUBLISHED = {"login_failed": LoginFailedSchema, "sms_code_requested": SmsCodeRequestedSchema,
             "session_revoked": SessionRevokedSchema, "dev_captcha_issued": DevCaptchaIssuedSchema}
