from marshmallow import fields

from services.gateway.routing import route
from shared.pdf import check_voucher_code
from shared.schemas import LenientSchema


class VoucherCheckSchema(LenientSchema):
    kind = fields.String(required=True)
    number = fields.String(required=True)
    unit_account = fields.String(required=True)
    code = fields.String(required=True)
    facts = fields.String(metadata={"description": "凭证二维码所载的凭证内容（随 facts_code 一并核验）"})
    facts_code = fields.String()


class VoucherCheckOutSchema(LenientSchema):
    valid = fields.Boolean()
    facts = fields.String(allow_none=True, metadata={"description": "核验通过时二维码所载的凭证内容；与验证码不符时为空"})


@route("GET", "/api/v1/vouchers/verify", "凭证验证码核验（公开，扫描凭证二维码的页面使用）", "vouchers", auth=False,
       query=VoucherCheckSchema, response=VoucherCheckOutSchema)
def verify_voucher(ctx):
    """Anyone holding a voucher can check its code; it says valid or not, and with the QR code's
    `facts` whether they are what the centre printed."""
    secret = ctx.config["VOUCHERS"]["secret"]
    args = ctx.args("kind", "number", "unit_account", "code", "facts", "facts_code")
    names = ("kind", "number", "unit_account")
    valid = all(name in args for name in (*names, "code")) and check_voucher_code(
        secret, *(args[name] for name in names), args["code"])
    answer = {"valid": bool(valid)}
    if "facts" in args:
        genuine = valid and check_voucher_code(secret, args["kind"], f"{args['number']}|{args['facts']}",
                                               args["unit_account"], args.get("facts_code"))
        answer["facts"] = args["facts"] if genuine else None
    return answer
