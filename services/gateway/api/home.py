from services.employer.schemas import (
    ConsultationInSchema, ConsultationOutSchema, ConsultationQuerySchema, HomeStatsSchema, MarkReadSchema,
    MessageQuerySchema, MessagesOutSchema, ShortcutsInSchema, ShortcutsOutSchema)
from services.gateway.routing import route


@route("GET", "/api/v1/home/shortcuts", "常用功能及可添加的功能 (F2.1)", "home", response=ShortcutsOutSchema)
def get_shortcuts(ctx):
    return ctx.rpc.employer.get_shortcuts(ctx.employer_id, ctx.clerk_id)


@route("PUT", "/api/v1/home/shortcuts", "设置常用功能：添加或删除后的完整列表，最多12个 (F2.1)", "home",
       body=ShortcutsInSchema, response=ShortcutsOutSchema)
def set_shortcuts(ctx):
    return ctx.rpc.employer.set_shortcuts(ctx.employer_id, ctx.clerk_id, ctx.json())


@route("GET", "/api/v1/home/stats", "缴存统计：按账户状态的职工人数、月缴存额 (F2.1)", "home",
       response=HomeStatsSchema)
def home_stats(ctx):
    return ctx.rpc.employer.home_stats(ctx.employer_id)


@route("GET", "/api/v1/messages", "消息中心：中心通知、咨询答复、业务办理结果及未读数 (F2.1)", "home",
       query=MessageQuerySchema, response=MessagesOutSchema)
def list_messages(ctx):
    return ctx.rpc.employer.list_messages(ctx.employer_id, ctx.args("kind", "unread", "limit", "offset"))


@route("POST", "/api/v1/messages/read", "标为已读：{ids: [...]} 或 {all: true} (F2.1)", "home",
       body=MarkReadSchema)
def mark_messages_read(ctx):
    return ctx.rpc.employer.mark_messages_read(ctx.employer_id, ctx.json())


@route("POST", "/api/v1/consultations", "提交咨询建议 (F17.1)", "consultations",
       body=ConsultationInSchema, response=ConsultationOutSchema, status=201)
def submit_consultation(ctx):
    return ctx.rpc.employer.submit_consultation(ctx.employer_id, ctx.clerk_id, ctx.json())


@route("GET", "/api/v1/consultations", "咨询建议历史及答复 (F17.1)", "consultations",
       query=ConsultationQuerySchema, response=ConsultationOutSchema(many=True))
def list_consultations(ctx):
    return ctx.rpc.employer.list_consultations(ctx.employer_id, ctx.args("status"))
