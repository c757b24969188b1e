from services.auth.schemas import ChangePasswordSchema, LoginSchema
from services.gateway.routing import route


@route("POST", "/api/v1/auth/login", "网厅登录 (F1.1)", "auth", auth=False, body=LoginSchema)
def login(ctx):
    return ctx.rpc.auth.login(ctx.json())


@route("POST", "/api/v1/auth/password", "修改密码（首次登录须修改初始密码）(F1.2)", "auth",
       before_password_change=True, body=ChangePasswordSchema, status=204)
def change_password(ctx):
    ctx.rpc.auth.change_password(ctx.employer_id, ctx.clerk_id, ctx.json())
