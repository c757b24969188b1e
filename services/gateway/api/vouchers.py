from marshmallow import fields

from services.gateway.routing import route
from shared.pdf import check_voucher_code
from shared.schemas import LenientSchema


class VoucherCheckSchema(LenientSchema):
    kind = fields.String(required=True)
    number = fields.String(required=True)
    unit_account = fields.String(required=True)
    code = fields.String(required=True)


@route("GET", "/api/v1/vouchers/verify", "凭证验证码核验", "vouchers", auth=False, query=VoucherCheckSchema)
def verify_voucher(ctx):
    """Anyone holding a voucher can check its code; it says only valid or not."""
    args = ctx.args("kind", "number", "unit_account", "code")
    valid = len(args) == 4 and check_voucher_code(ctx.config["VOUCHERS"]["secret"], args["kind"],
                                                  args["number"], args["unit_account"], args["code"])
    return {"valid": bool(valid)}
