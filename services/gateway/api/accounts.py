"""Member accounts: pending roster, batch opening, opening query, member info, ledger and changes (F3-F5)."""
import base64

from marshmallow import fields

from services.accounts.schemas import (
    BatchOutSchema, DraftInSchema, DraftOutSchema, DraftPageSchema, ImportResultSchema, LedgerRowSchema,
    MemberChangeInSchema, MemberChangeOutSchema, MemberOutSchema, MemberQuerySchema, PageSchema,
    StatementLineSchema, StatementQuerySchema)
from services.gateway.routing import file_response, route
from shared.downloads import PDF, XLSX
from shared.schemas import DateRangeSchema, LenientSchema


class TaskIdSchema(LenientSchema):
    task_id = fields.String()
    batch_id = fields.String()


class DeletedSchema(LenientSchema):
    deleted = fields.Integer()


@route("GET", "/api/v1/openings/template.xlsx", "身份证批量开户模板 (F3.2)", "accounts", produces=XLSX)
def opening_template(ctx):
    return file_response(ctx.rpc.accounts.opening_template())


@route("POST", "/api/v1/openings/drafts", "添加到待开户清册 (F3.1)", "accounts", body=DraftInSchema,
       response=DraftOutSchema, status=201)
def add_draft(ctx):
    return ctx.rpc.accounts.add_opening_draft(ctx.employer_id, ctx.json())


@route("GET", "/api/v1/openings/drafts", "待开户清册 (F3.1)", "accounts", query=PageSchema,
       response=DraftPageSchema)
def list_drafts(ctx):
    return ctx.rpc.accounts.list_opening_drafts(ctx.employer_id, ctx.args("page", "page_size"))


@route("PATCH", "/api/v1/openings/drafts/<draft_id>", "修改待开户记录 (F3.1)", "accounts",
       body=DraftInSchema(partial=True), response=DraftOutSchema)
def update_draft(ctx, draft_id):
    return ctx.rpc.accounts.update_opening_draft(ctx.employer_id, draft_id, ctx.json())


@route("DELETE", "/api/v1/openings/drafts/<draft_id>", "删除待开户记录 (F3.1)", "accounts", status=204)
def delete_draft(ctx, draft_id):
    ctx.rpc.accounts.delete_opening_draft(ctx.employer_id, draft_id)


@route("DELETE", "/api/v1/openings/drafts", "清空待开户清册", "accounts", response=DeletedSchema)
def clear_drafts(ctx):
    return ctx.rpc.accounts.clear_opening_drafts(ctx.employer_id)


@route("POST", "/api/v1/openings/drafts/import", "上传批量开户模板，导入待开户清册 (F3.2)", "accounts",
       response=ImportResultSchema,
       extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
           "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
def import_drafts(ctx):
    content = base64.b64encode(ctx.upload("file")).decode("ascii")
    return ctx.rpc.accounts.import_opening_file(ctx.employer_id, content)


@route("POST", "/api/v1/openings/submit", "全部提交待开户清册，返回任务号 (F3.1)", "accounts",
       response=TaskIdSchema, status=202)
def submit(ctx):
    return ctx.rpc.accounts.submit_openings(ctx.employer_id, ctx.clerk_id)


@route("GET", "/api/v1/openings", "开户查询 (F3.3)", "accounts", query=DateRangeSchema,
       response=BatchOutSchema(many=True))
def list_openings(ctx):
    return ctx.rpc.accounts.list_openings(ctx.employer_id, ctx.args("start", "end"))


@route("GET", "/api/v1/openings/<batch_id>/voucher.pdf", "开户清册凭证 (F3.3)", "accounts",
       produces=PDF)
def opening_voucher(ctx, batch_id):
    return file_response(ctx.rpc.accounts.opening_voucher(ctx.employer_id, batch_id))


@route("GET", "/api/v1/members", "个人账户信息查询：姓名、证件号码、个人账号任选一项 (F4.2)", "accounts",
       query=MemberQuerySchema, response=MemberOutSchema(many=True))
def find_members(ctx):
    return ctx.rpc.accounts.find_members(ctx.employer_id, ctx.args("name", "id_number", "account_no"))


@route("GET", "/api/v1/members/changes", "客户信息修改记录查询 (F5.2)", "accounts", query=DateRangeSchema,
       response=MemberChangeOutSchema(many=True))
def list_changes(ctx):
    return ctx.rpc.accounts.list_member_changes(ctx.employer_id, ctx.args("start", "end"))


@route("GET", "/api/v1/members/changes/<change_id>/voucher.pdf", "个人信息修改凭证 (F5.2)", "accounts",
       produces=PDF)
def change_voucher(ctx, change_id):
    return file_response(ctx.rpc.accounts.member_change_voucher(ctx.employer_id, change_id))


@route("GET", "/api/v1/members/<account_no>", "个人账户详细信息 (F4.2)", "accounts", response=MemberOutSchema)
def get_member(ctx, account_no):
    return ctx.rpc.accounts.get_member(ctx.employer_id, account_no)


@route("PATCH", "/api/v1/members/<account_no>", "个人信息修改 (F5.1)", "accounts", body=MemberChangeInSchema,
       response=MemberChangeOutSchema)
def change_member(ctx, account_no):
    return ctx.rpc.accounts.change_member(ctx.employer_id, account_no, ctx.clerk_id, ctx.json())


@route("GET", "/api/v1/members/<account_no>/ledger", "个人明细账：按入账日期范围，含每笔后的余额 (F4.1)", "accounts",
       query=DateRangeSchema, response=LedgerRowSchema(many=True))
def member_ledger(ctx, account_no):
    return ctx.rpc.accounts.member_ledger(ctx.employer_id, account_no, **ctx.args("start", "end"))


@route("GET", "/api/v1/statements", "年度个人对账：已结束公积金年度的上年结转、汇缴、补缴、转移、合并、利息及年末余额 (F4.3)",
       "accounts", query=StatementQuerySchema, response=StatementLineSchema(many=True))
def member_statement(ctx):
    return ctx.rpc.accounts.member_statement(ctx.employer_id, ctx.args("year", "name", "id_number"))


@route("GET", "/api/v1/statements/<year>/export.xlsx", "年度个人对账导出 (F4.3)", "accounts", produces=XLSX)
def member_statement_file(ctx, year):
    return file_response(ctx.rpc.accounts.member_statement_file(ctx.employer_id, {"year": year}))


@route("GET", "/api/v1/members/<account_no>/certificate.pdf", "住房公积金缴存证明（带验证码及二维码）", "accounts",
       produces=PDF)
def member_certificate(ctx, account_no):
    return file_response(ctx.rpc.accounts.member_certificate(ctx.employer_id, account_no))
