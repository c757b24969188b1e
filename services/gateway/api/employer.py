from services.employer.schemas import (
    ChangeEmployerSchema, ChangeOutSchema, EmployerOutSchema)
from services.gateway.routing import file_response, route
from shared.downloads import PDF
from shared.schemas import DateRangeSchema


@route("GET", "/api/v1/employer", "单位基本信息 (F7.1)", "employer", response=EmployerOutSchema)
def get_employer(ctx):
    return ctx.rpc.employer.get_employer(ctx.employer_id)


@route("PATCH", "/api/v1/employer", "单位信息修改 (F6.1)；单位名称、经办人信息、缴存比例须至中心柜台办理",
       "employer", body=ChangeEmployerSchema, response=ChangeOutSchema)
def update_employer(ctx):
    return ctx.rpc.employer.update_employer(ctx.employer_id, ctx.clerk_id, ctx.json())


@route("GET", "/api/v1/employer/changes", "单位信息修改查询 (F6.2)", "employer",
       query=DateRangeSchema, response=ChangeOutSchema(many=True))
def list_changes(ctx):
    return ctx.rpc.employer.list_changes(ctx.employer_id, ctx.args("start", "end"))


@route("GET", "/api/v1/employer/changes/<int:change_id>/voucher.pdf", "单位信息修改凭证 (F6.2)",
       "employer", produces=PDF)
def change_voucher(ctx, change_id):
    return file_response(ctx.rpc.employer.change_voucher(ctx.employer_id, change_id))
