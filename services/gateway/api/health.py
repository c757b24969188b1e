import eventlet

from services.gateway.asyncapi import asyncapi_document
from services.gateway.openapi import openapi_document
from services.gateway.routing import json_response, route
from shared.runner import DATA_SERVICES



@route("GET", "/healthz", "进程存活检查", "health", auth=False)
def healthz(ctx):
    return {"status": "ok"}


def _ping(proxy, timeout):
    try:
        with eventlet.Timeout(timeout):
            return "ok" if proxy.ping() == "ok" else "error"
    except eventlet.Timeout:
        return "timeout"
    except Exception:  # unknown service, broken connection: it is not ready, whatever the cause
        return "unavailable"


@route("GET", "/readyz", "就绪检查：每个服务在1秒内应答", "health", auth=False)
def readyz(ctx):
    timeout = float(ctx.config["GATEWAY"]["ping_timeout_seconds"])
    pile = eventlet.GreenPile()
    for name in DATA_SERVICES:
        pile.spawn(_ping, getattr(ctx.rpc, name), timeout)
    services = dict(zip(DATA_SERVICES, pile))
    down = [name for name, state in services.items() if state != "ok"]
    body = {"status": "ok" if not down else "unavailable", "services": services}
    if down:
        body["down"] = down
    return json_response(body, 503 if down else 200)


@route("GET", "/api/v1/openapi.json", "本接口的OpenAPI文档", "health", auth=False)
def openapi(ctx):
    return openapi_document()


@route("GET", "/api/v1/asyncapi.json", "消息总线的AsyncAPI文档：每个RPC与事件", "health", auth=False)
def asyncapi(ctx):
    return asyncapi_document()
