from services.employer.schemas import EmployerOutSchema
from services.gateway.routing import route


@route("GET", "/api/v1/employer", "单位基本信息 (F7.1)", "employer", response=EmployerOutSchema)
def get_employer(ctx):
    return ctx.rpc.employer.get_employer(ctx.employer_id)
