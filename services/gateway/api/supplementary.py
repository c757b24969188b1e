"""Supplementary contributions (补缴, F13.1-F13.3): the roster, its submission as one verification, the query."""
import base64

from marshmallow import fields

from services.accounts.schemas import ImportResultSchema, PageSchema
from services.contributions.schemas import (
    SupplementaryDraftChangeSchema, SupplementaryDraftInSchema, SupplementaryDraftOutSchema, SupplementaryPageSchema,
    VerificationOutSchema)
from services.gateway.api.accounts import DeletedSchema
from services.gateway.api.status import UPLOAD
from services.gateway.routing import file_response, route
from shared.downloads import PDF, XLSX
from shared.schemas import DateRangeSchema, LenientSchema


class SupplementarySubmittedSchema(LenientSchema):
    task_id = fields.String()
    verification_no = fields.String()


@route("GET", "/api/v1/supplementaries/template.xlsx", "补缴清册模板 (F13.2)", "contributions", produces=XLSX)
def template(ctx):
    return file_response(ctx.rpc.contributions.supplementary_template())


@route("POST", "/api/v1/supplementaries/drafts", "添加到补缴清册：职工、月份、金额、原因 (F13.1)", "contributions",
       body=SupplementaryDraftInSchema, response=SupplementaryDraftOutSchema, status=201)
def add_draft(ctx):
    return ctx.rpc.contributions.add_supplementary_draft(ctx.employer_id, ctx.json())


@route("GET", "/api/v1/supplementaries/drafts", "补缴清册 (F13.1)", "contributions", query=PageSchema,
       response=SupplementaryPageSchema)
def list_drafts(ctx):
    return ctx.rpc.contributions.list_supplementary_drafts(ctx.employer_id, ctx.args("page", "page_size"))


@route("PATCH", "/api/v1/supplementaries/drafts/<draft_id>", "修改补缴清册记录 (F13.1)", "contributions",
       body=SupplementaryDraftChangeSchema, response=SupplementaryDraftOutSchema)
def update_draft(ctx, draft_id):
    return ctx.rpc.contributions.update_supplementary_draft(ctx.employer_id, draft_id, ctx.json())


@route("DELETE", "/api/v1/supplementaries/drafts/<draft_id>", "删除补缴清册记录 (F13.1)", "contributions", status=204)
def delete_draft(ctx, draft_id):
    ctx.rpc.contributions.delete_supplementary_draft(ctx.employer_id, draft_id)


@route("DELETE", "/api/v1/supplementaries/drafts", "清空补缴清册", "contributions", response=DeletedSchema)
def clear_drafts(ctx):
    return ctx.rpc.contributions.clear_supplementary_drafts(ctx.employer_id)


@route("POST", "/api/v1/supplementaries/drafts/import", "上传补缴清册模板 (F13.2)", "contributions",
       response=ImportResultSchema, extra=UPLOAD)
def import_drafts(ctx):
    content = base64.b64encode(ctx.upload("file")).decode("ascii")
    return ctx.rpc.contributions.import_supplementary_file(ctx.employer_id, content)


@route("POST", "/api/v1/supplementaries/submit", "提交补缴清册：生成待缴款的补缴核定，返回任务号及核定号 (F13.1)",
       "contributions", response=SupplementarySubmittedSchema, status=202)
def submit(ctx):
    return ctx.rpc.contributions.submit_supplementaries(ctx.employer_id, ctx.clerk_id)


@route("GET", "/api/v1/supplementaries", "补缴查询：按核定日期 (F13.3)", "contributions", query=DateRangeSchema,
       response=VerificationOutSchema(many=True))
def list_supplementaries(ctx):
    return ctx.rpc.contributions.list_supplementaries(ctx.employer_id, ctx.args("start", "end"))


@route("GET", "/api/v1/supplementaries/<verification_no>/roster.xlsx", "补缴清册 (F13.3)", "contributions",
       produces=XLSX)
def roster(ctx, verification_no):
    return file_response(ctx.rpc.contributions.remittance_roster_file(ctx.employer_id, verification_no))


@route("GET", "/api/v1/supplementaries/<verification_no>/voucher.pdf", "补缴书：收款账户、金额、缴款识别号 (F13.3)",
       "contributions", produces=PDF)
def voucher(ctx, verification_no):
    return file_response(ctx.rpc.contributions.remittance_voucher(ctx.employer_id, verification_no))
