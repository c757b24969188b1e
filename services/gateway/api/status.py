"""Member status changes: seal, unseal, transfer in (F9, F10) through one roster flow, and merge (F8)."""
import base64

from marshmallow import fields

from services.accounts.schemas import (
    AccountQuerySchema, ChangeDraftOutSchema, ChangeDraftPageSchema, ChangeQuerySchema, ChangeSubmitSchema, ImportResultSchema,
    MergeInSchema, MergeOutSchema, MergeQuerySchema, PageSchema, SealDraftInSchema, SealedAccountSchema,
    StatusChangeOutSchema, TransferDraftInSchema, UnsealDraftInSchema)
from services.gateway.api.accounts import DeletedSchema, TaskIdSchema
from services.gateway.routing import file_response, route
from shared.downloads import PDF, XLSX
from shared.schemas import LenientSchema

UPLOAD = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}}}
ROSTERS = {  # path: (kind, name, functions, draft schema)
    "seals": ("seal", "封存", "F9.1/F9.2", SealDraftInSchema),
    "unseals": ("unseal", "启封", "F9.3/F9.4", UnsealDraftInSchema),
    "transfers": ("transfer", "转入", "F10.1/F10.2", TransferDraftInSchema),
}


class ReasonsSchema(LenientSchema):
    reasons = fields.List(fields.String())


def _roster_routes(path, kind, name, functions, draft_schema):
    base = f"/api/v1/{path}"

    @route("GET", f"{base}/reasons", f"{name}原因列表 ({functions})", "status",
           response=ReasonsSchema)
    def reasons(ctx):
        return {"reasons": ctx.rpc.accounts.change_reasons(kind)}

    @route("GET", f"{base}/template.xlsx", f"批量{name}模板 ({functions})", "status", produces=XLSX)
    def template(ctx):
        return file_response(ctx.rpc.accounts.change_template(kind))

    @route("POST", f"{base}/drafts", f"添加到{name}清册 ({functions})", "status", body=draft_schema,
           response=ChangeDraftOutSchema, status=201)
    def add_draft(ctx):
        return ctx.rpc.accounts.add_change_draft(kind, ctx.employer_id, ctx.json())

    @route("GET", f"{base}/drafts", f"{name}清册 ({functions})", "status", query=PageSchema,
           response=ChangeDraftPageSchema)
    def list_drafts(ctx):
        return ctx.rpc.accounts.list_change_drafts(kind, ctx.employer_id, ctx.args("page", "page_size"))

    @route("DELETE", f"{base}/drafts/<draft_id>", f"删除{name}清册记录 ({functions})", "status", status=204)
    def delete_draft(ctx, draft_id):
        ctx.rpc.accounts.delete_change_draft(kind, ctx.employer_id, draft_id)

    @route("DELETE", f"{base}/drafts", f"清空{name}清册", "status", response=DeletedSchema)
    def clear_drafts(ctx):
        return ctx.rpc.accounts.clear_change_drafts(kind, ctx.employer_id)

    @route("POST", f"{base}/drafts/import", f"上传批量{name}模板，导入{name}清册 ({functions})", "status",
           response=ImportResultSchema, extra=UPLOAD)
    def import_drafts(ctx):
        content = base64.b64encode(ctx.upload("file")).decode("ascii")
        return ctx.rpc.accounts.import_change_file(kind, ctx.employer_id, content)

    @route("POST", f"{base}/submit", f"提交{name}清册（所选记录或全部），返回任务号 ({functions})", "status",
           body=ChangeSubmitSchema, response=TaskIdSchema, status=202)
    def submit(ctx):
        return ctx.rpc.accounts.submit_changes(kind, ctx.employer_id, ctx.clerk_id, ctx.json())


for _path, _spec in ROSTERS.items():
    _roster_routes(_path, *_spec)


@route("GET", "/api/v1/seals", "封存启封查询 (F9.5)", "status", query=ChangeQuerySchema,
       response=StatusChangeOutSchema(many=True))
def list_seals(ctx):
    return ctx.rpc.accounts.list_status_changes(ctx.employer_id, ["seal", "unseal"],
                                                ctx.args("start", "end", "name", "id_number"))


@route("GET", "/api/v1/seals/<batch_id>/voucher.pdf", "封存/启封凭证 (F9.5)", "status", produces=PDF)
def seal_voucher(ctx, batch_id):
    return file_response(ctx.rpc.accounts.status_change_voucher(ctx.employer_id, ["seal", "unseal"], batch_id))


@route("GET", "/api/v1/transfers", "转入查询 (F10.3)", "status", query=ChangeQuerySchema,
       response=StatusChangeOutSchema(many=True))
def list_transfers(ctx):
    return ctx.rpc.accounts.list_status_changes(ctx.employer_id, ["transfer"],
                                                ctx.args("start", "end", "name", "id_number"))


@route("GET", "/api/v1/transfers/<batch_id>/voucher.pdf", "转入凭证 (F10.3)", "status", produces=PDF)
def transfer_voucher(ctx, batch_id):
    return file_response(ctx.rpc.accounts.status_change_voucher(ctx.employer_id, ["transfer"], batch_id))


@route("GET", "/api/v1/merges/sealed-elsewhere", "该账户职工在其他单位的封存账户（合并前先转入） (F8.1)", "status",
       query=AccountQuerySchema, response=SealedAccountSchema(many=True))
def sealed_elsewhere(ctx):
    return ctx.rpc.accounts.sealed_elsewhere(ctx.employer_id, ctx.args("account_no"))


@route("POST", "/api/v1/merges", "个人账户合并 (F8.1)", "status", body=MergeInSchema, response=MergeOutSchema)
def merge(ctx):
    return ctx.rpc.accounts.merge_accounts(ctx.employer_id, ctx.clerk_id, ctx.json())


@route("GET", "/api/v1/merges", "合并查询 (F8.2)", "status", query=MergeQuerySchema,
       response=MergeOutSchema(many=True))
def list_merges(ctx):
    return ctx.rpc.accounts.list_merges(ctx.employer_id, ctx.args("from_account", "to_account"))


@route("GET", "/api/v1/merges/<merge_no>/voucher.pdf", "个人账户合并凭证 (F8.2)", "status", produces=PDF)
def merge_voucher(ctx, merge_no):
    return file_response(ctx.rpc.accounts.merge_voucher(ctx.employer_id, merge_no))
