"""Tasks: progress (F15.1), results (F16.1), one task, its error file and its live progress."""
from services.gateway.routing import file_response, route
from services.progress.schemas import (KindSchema, ResultQuerySchema, TaskOutSchema, TaskPageSchema,
                                       TaskQuerySchema)
from shared.downloads import XLSX



@route("GET", "/api/v1/tasks", "交易进度查询 (F15.1)", "tasks", query=TaskQuerySchema,
       response=TaskPageSchema)
def list_tasks(ctx):
    return ctx.rpc.progress.list_tasks(ctx.employer_id, ctx.args(*TaskQuerySchema().fields))


@route("GET", "/api/v1/tasks/kinds", "本单位办理过的交易名称（查询条件选项）", "tasks",
       response=KindSchema(many=True))
def list_kinds(ctx):
    return ctx.rpc.progress.list_kinds(ctx.employer_id)


@route("GET", "/api/v1/results", "交易结果查询 (F16.1)", "tasks", query=ResultQuerySchema,
       response=TaskPageSchema)
def list_results(ctx):
    return ctx.rpc.progress.list_results(ctx.employer_id, ctx.args(*ResultQuerySchema().fields))


@route("GET", "/api/v1/tasks/<task_id>", "一笔交易的最新进度", "tasks", response=TaskOutSchema)
def get_task(ctx, task_id):
    return ctx.rpc.progress.get_task(ctx.employer_id, task_id)


@route("GET", "/api/v1/tasks/<task_id>/errors.xlsx", "报错文件下载", "tasks", produces=XLSX)
def error_file(ctx, task_id):
    return file_response(ctx.rpc.progress.error_file(ctx.employer_id, task_id))


@route("GET", "/api/v1/tasks/<task_id>/events", "交易实时进度（Server-Sent Events，终态后关闭）", "tasks",
       produces="text/event-stream")
def task_events(ctx, task_id):
    return ctx.live.stream(ctx, task_id)
