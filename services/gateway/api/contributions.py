"""Contributions: monthly remittance (F12), payments and cancel (F14.1), employer ledger and suspense
(F7.2, F7.3). Every call is scoped to the session's employer."""
from marshmallow import fields

from services.contributions.schemas import (
    LedgerEntryOutSchema, LedgerQuerySchema, PaymentQuerySchema, RemittanceInSchema, SuspenseOutSchema,
    VerificationOutSchema)
from services.gateway.routing import file_response, route
from shared.downloads import PDF, XLSX
from shared.schemas import DateRangeSchema, LenientSchema


class SubmittedSchema(LenientSchema):
    task_id = fields.String()
    verification_no = fields.String()
    status = fields.String()


@route("POST", "/api/v1/remittances", "汇缴核定：按月份保存核定（人数、金额、与上月比较） (F12.1)", "contributions",
       body=RemittanceInSchema, response=VerificationOutSchema, status=201)
def create_remittance(ctx):
    return ctx.rpc.contributions.create_remittance(ctx.employer_id, ctx.clerk_id, ctx.json())


@route("GET", "/api/v1/remittances", "汇缴查询：按保存日期 (F12.2)", "contributions", query=DateRangeSchema,
       response=VerificationOutSchema(many=True))
def list_remittances(ctx):
    return ctx.rpc.contributions.list_remittances(ctx.employer_id, ctx.args("start", "end"))


@route("GET", "/api/v1/remittances/<verification_no>", "汇缴核定详情 (F12.2)", "contributions",
       response=VerificationOutSchema)
def get_remittance(ctx, verification_no):
    return ctx.rpc.contributions.get_remittance(ctx.employer_id, verification_no)


@route("DELETE", "/api/v1/remittances/<verification_no>", "作废已保存的汇缴核定（记录保留为已作废） (F12.1)",
       "contributions", response=VerificationOutSchema)
def discard_remittance(ctx, verification_no):
    return ctx.rpc.contributions.discard_remittance(ctx.employer_id, verification_no)


@route("POST", "/api/v1/remittances/<verification_no>/submit", "提交汇缴核定，返回任务号；核定变为待缴款 (F12.1)",
       "contributions", response=SubmittedSchema, status=202)
def submit_remittance(ctx, verification_no):
    return ctx.rpc.contributions.submit_remittance(ctx.employer_id, ctx.clerk_id, verification_no)


@route("GET", "/api/v1/remittances/<verification_no>/roster.xlsx", "汇缴清册 (F12.2)", "contributions",
       produces=XLSX)
def remittance_roster(ctx, verification_no):
    return file_response(ctx.rpc.contributions.remittance_roster_file(ctx.employer_id, verification_no))


@route("GET", "/api/v1/remittances/<verification_no>/voucher.pdf", "汇缴书：收款账户、金额（含大写）、缴款识别号 (F12.2)",
       "contributions", produces=PDF)
def remittance_voucher(ctx, verification_no):
    return file_response(ctx.rpc.contributions.remittance_voucher(ctx.employer_id, verification_no))


@route("GET", "/api/v1/payments", "未缴款的核定 (F14.1)：kind=remittance|supplementary", "contributions",
       query=PaymentQuerySchema, response=VerificationOutSchema(many=True))
def list_payments(ctx):
    return ctx.rpc.contributions.list_payments(ctx.employer_id, ctx.args("kind"))


@route("POST", "/api/v1/payments/<verification_no>/cancel", "取消核定：撤销未缴款的核定，月份可重新核定 (F14.1)",
       "contributions", response=VerificationOutSchema)
def cancel_payment(ctx, verification_no):
    return ctx.rpc.contributions.cancel_payment(ctx.employer_id, verification_no)


@route("GET", "/api/v1/employer/ledger", "单位明细查询：日期范围、业务类型 (F7.2)", "contributions",
       query=LedgerQuerySchema, response=LedgerEntryOutSchema(many=True))
def employer_ledger(ctx):
    return ctx.rpc.contributions.employer_ledger(ctx.employer_id, ctx.args("start", "end", "type"))


@route("GET", "/api/v1/employer/suspense", "汇补缴不符暂存款查询 (F7.3)", "contributions",
       query=DateRangeSchema, response=SuspenseOutSchema)
def employer_suspense(ctx):
    return ctx.rpc.contributions.employer_suspense(ctx.employer_id, ctx.args("start", "end"))
