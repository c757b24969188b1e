from services.auth.schemas import (
    CaptchaOutSchema, ChangePasswordSchema, IdentitySchema, LoginSchema, PasswordResetSchema,
    SessionOutSchema, SmsCodeSentSchema)
from services.gateway.routing import route


@route("GET", "/api/v1/auth/captcha", "图形验证码（5分钟内有效，仅可使用一次）", "auth", auth=False,
       response=CaptchaOutSchema)
def captcha(ctx):
    return ctx.rpc.auth.new_captcha()


@route("POST", "/api/v1/auth/login", "网厅登录 (F1.1)", "auth", auth=False, body=LoginSchema,
       response=SessionOutSchema)
def login(ctx):
    return ctx.rpc.auth.login(ctx.json(), ctx.source)


@route("POST", "/api/v1/auth/sms-code", "忘记密码：向经办人登记的手机发送短信验证码 (F1.2)", "auth",
       auth=False, body=IdentitySchema, response=SmsCodeSentSchema, status=202)
def sms_code(ctx):
    return ctx.rpc.auth.request_sms_code(ctx.json(), ctx.source)


@route("POST", "/api/v1/auth/password-reset", "忘记密码：凭短信验证码设置新密码 (F1.2)", "auth",
       auth=False, body=PasswordResetSchema, status=204)
def password_reset(ctx):
    ctx.rpc.auth.reset_password(ctx.json(), ctx.source)


@route("POST", "/api/v1/auth/password", "修改密码（首次登录须修改初始密码）(F1.2)", "auth",
       before_password_change=True, body=ChangePasswordSchema, status=204)
def change_password(ctx):
    ctx.rpc.auth.change_password(ctx.employer_id, ctx.clerk_id, ctx.json(), ctx.source)


@route("POST", "/api/v1/auth/logout", "退出登录（本次登录立即失效）", "auth", before_password_change=True,
       status=204)
def logout(ctx):
    ctx.rpc.auth.logout(ctx.employer_id, ctx.clerk_id, ctx.identity["jti"], ctx.source)
