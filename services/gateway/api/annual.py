"""The annual base verification (年度核定, F11.1, F11.2): the pre-filled template, the review list,
its submission with the rates, the query with voucher and roster."""
import base64

from marshmallow import fields

from services.accounts.schemas import ImportResultSchema, PageSchema
from services.contributions.schemas import (
    AnnualDraftChangeSchema, AnnualDraftOutSchema, AnnualOutSchema, AnnualPageSchema, AnnualStatusSchema,
    AnnualSubmitSchema)
from services.gateway.api.accounts import DeletedSchema
from services.gateway.api.status import UPLOAD
from services.gateway.routing import file_response, route
from shared.downloads import PDF, XLSX
from shared.schemas import DateRangeSchema, LenientSchema


class AnnualSubmittedSchema(LenientSchema):
    task_id = fields.String()
    annual_no = fields.String()


@route("GET", "/api/v1/annual/due", "本单位应办理的年度核定：年度、能否办理及原因、基数上下限、比例范围 (F11.1)",
       "contributions", response=AnnualStatusSchema)
def due(ctx):
    return ctx.rpc.contributions.annual_status(ctx.employer_id)


@route("GET", "/api/v1/annual/<year>/template.xlsx", "年度核定清册模板：已填入6月正常汇缴的职工及当前基数 (F11.1)",
       "contributions", produces=XLSX)
def template(ctx, year):
    return file_response(ctx.rpc.contributions.annual_template(ctx.employer_id, year))


@route("POST", "/api/v1/annual/<year>/import", "上传年度核定清册 (F11.1)", "contributions",
       response=ImportResultSchema, extra=UPLOAD)
def import_rows(ctx, year):
    content = base64.b64encode(ctx.upload("file")).decode("ascii")
    return ctx.rpc.contributions.import_annual_file(ctx.employer_id, year, content)


@route("GET", "/api/v1/annual/<year>/rows", "年度核定清册（复核）：新旧基数、未列入的职工 (F11.1)", "contributions",
       query=PageSchema, response=AnnualPageSchema)
def list_rows(ctx, year):
    return ctx.rpc.contributions.list_annual_drafts(ctx.employer_id, year, ctx.args("page", "page_size"))


@route("PATCH", "/api/v1/annual/<year>/rows/<row_id>", "修改年度核定清册中一人的新基数 (F11.1)", "contributions",
       body=AnnualDraftChangeSchema, response=AnnualDraftOutSchema)
def update_row(ctx, year, row_id):
    return ctx.rpc.contributions.update_annual_draft(ctx.employer_id, year, row_id, ctx.json())


@route("DELETE", "/api/v1/annual/<year>/rows", "清空年度核定清册，重新上传", "contributions", response=DeletedSchema)
def clear_rows(ctx, year):
    return ctx.rpc.contributions.clear_annual_drafts(ctx.employer_id, year)


@route("POST", "/api/v1/annual/<year>/submit", "提交年度核定（可同时调整缴存比例，自当年7月起），返回任务号 (F11.1)",
       "contributions", body=AnnualSubmitSchema, response=AnnualSubmittedSchema, status=202)
def submit(ctx, year):
    return ctx.rpc.contributions.submit_annual(ctx.employer_id, ctx.clerk_id, year, ctx.json())


@route("GET", "/api/v1/annual", "年度核定查询：按办理日期 (F11.2)", "contributions", query=DateRangeSchema,
       response=AnnualOutSchema(many=True))
def list_annuals(ctx):
    return ctx.rpc.contributions.list_annuals(ctx.employer_id, ctx.args("start", "end"))


@route("GET", "/api/v1/annual/<year>/roster.xlsx", "年度核定清册：每人新旧基数 (F11.2)", "contributions",
       produces=XLSX)
def roster(ctx, year):
    return file_response(ctx.rpc.contributions.annual_roster_file(ctx.employer_id, year))


@route("GET", "/api/v1/annual/<year>/voucher.pdf", "年度核定凭证 (F11.2)", "contributions", produces=PDF)
def voucher(ctx, year):
    return file_response(ctx.rpc.contributions.annual_voucher(ctx.employer_id, year))
