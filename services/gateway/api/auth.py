from services.auth.schemas import LoginSchema
from services.gateway.routing import route


@route("POST", "/api/v1/auth/login", "网厅登录 (F1.1)", "auth", auth=False, body=LoginSchema)
def login(ctx):
    return ctx.rpc.auth.login(ctx.json())
