"""Gateway: the HTTP API. It holds no data; it checks tokens and calls the services over RPC."""
import json
import logging
import re
import time
import uuid
from types import SimpleNamespace

import eventlet
from nameko.constants import NON_PERSISTENT
from nameko.dependency_providers import Config
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import RpcProxy, ServiceProxy
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.wrappers import Response

from services.gateway import api  # noqa: F401  (registers the routes)
from services.gateway.clients import TrustedProxies, client_address
from services.gateway.live import LiveTasks
from services.gateway.portal import is_portal_path, portal_dir, portal_response
from services.gateway.routing import error_response, json_response, request_id_from, url_map
from services.gateway.sessions import SessionRevocation
from shared.errors import BusinessError, unauthorized
from shared.runner import DATA_SERVICES
from shared.text import has_hidden
from shared.tokens import TokenError, TokenVerifier

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024  # form boundaries and headers around an uploaded file
REQUEST_TIMEOUT_SECONDS = 60
# errors a service raises when its database is down or restarting (psycopg2 and SQLAlchemy's names)
DATABASE_DOWN = {"OperationalError", "InterfaceError", "DisconnectionError", "PendingRollbackError"}
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")  # NUL, and lone surrogates from \ud800 escapes
MAX_JSON_DEPTH = 16  # no request of the API nests deeper; a deeper one is forged
READS = ("GET", "HEAD")


def _storable(value):
    """No NUL, lone surrogate or hidden control character anywhere, and no deeper nesting than any request needs."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return False
        if isinstance(item, str):
            if _UNSTORABLE.search(item) or has_hidden(item):
                return False
        elif isinstance(item, dict):
            pending.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            pending.extend((part, depth + 1) for part in item)
    return True


class OneLineWebServer(WebServer):
    """nameko's web server without eventlet's access line: the gateway writes one line per
    request itself, with the request id (a traceback eventlet catches is still logged)."""

    def get_wsgi_server(self, sock, wsgi_app, **kwargs):
        server = super().get_wsgi_server(sock, wsgi_app, **kwargs)
        server.log_output = False
        return server


class GatewayHttp(HttpRequestHandler):
    server = OneLineWebServer()


http = GatewayHttp.decorator


class RequestContext:
    """What a route handler gets: the request, the caller's identity and the services."""

    def __init__(self, request, rpc, config, request_id, identity=None, live=None, source=None, proxies=()):
        self.request = request
        self._source = source
        self._proxies = proxies
        self.live = live
        self.rpc = rpc
        self.config = config
        self.request_id = request_id
        self.identity = identity

    @property
    def source(self):
        """The client's address, which auth throttles on; worked out for the routes that ask."""
        if self._source is None:
            self._source = client_address(self.request.remote_addr, self.request.headers.get("X-Forwarded-For"),
                                          self._proxies)
        return self._source

    @property
    def employer_id(self):
        return self.identity["emp"]

    @property
    def clerk_id(self):
        return self.identity["sub"]

    def json(self):
        """The JSON object in the body; anything else is a clear 400."""
        too_large = BusinessError("BODY_TOO_LARGE", "请求内容过大", status=413)
        # a longer Content-Length is refused; a body without one is read no further than this
        self.request.max_content_length = MAX_JSON_BYTES + 1
        try:
            raw = self.request.get_data(cache=True)
        except RequestEntityTooLarge:
            raise too_large from None
        if len(raw) > MAX_JSON_BYTES:
            raise too_large
        try:
            payload = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, ValueError):
            raise BusinessError("BAD_JSON", "请求内容不是有效的JSON（UTF-8）") from None
        except RecursionError:  # the decoder's own limit on nesting
            raise BusinessError("BAD_JSON", "请求内容嵌套层数过多") from None
        if not isinstance(payload, dict):
            raise BusinessError("BAD_JSON", "请求内容应为JSON对象")
        if not _storable(payload):
            raise BusinessError("BAD_JSON", "请求内容含有无效字符或嵌套层数过多")
        return payload

    def upload(self, field="file"):
        """The bytes of an uploaded file (multipart), within `GATEWAY.max_upload_bytes`."""
        limit = int(self.config["GATEWAY"]["max_upload_bytes"])
        too_large = BusinessError("FILE_TOO_LARGE", f"文件超过{limit // (1024 * 1024)}MB的大小限制", status=413)
        if (self.request.content_length or 0) > limit + MULTIPART_OVERHEAD:
            raise too_large
        self.request.max_content_length = limit + MULTIPART_OVERHEAD
        upload = self.request.files.get(field)
        if upload is None:
            raise BusinessError("FILE_REQUIRED", f"请选择要上传的文件（表单字段 {field}）")
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise too_large
        return data

    def args(self, *names):
        return {name: self.request.args.get(name) for name in names if self.request.args.get(name)}


class GatewayService(SessionRevocation):
    name = "gateway"

    config = Config()
    tokens = TokenVerifier()  # auth's proxy comes with SessionRevocation
    employer = RpcProxy("employer")
    accounts = RpcProxy("accounts")
    contributions = RpcProxy("contributions")
    progress = RpcProxy("progress")
    live = LiveTasks()
    proxies = TrustedProxies()

    _urls = url_map()

    @http("GET", "/")
    def index(self, request):
        return self.handle(request, "")

    @http("GET,POST,PUT,PATCH,DELETE", "/<path:path>")
    def handle(self, request, path):
        started = time.perf_counter()
        request_id = request_id_from(request.headers.get("X-Request-Id"), lambda: uuid.uuid4().hex)
        response = self._dispatch(request, request_id)
        response.headers["X-Request-Id"] = request_id
        response.headers.setdefault("Cache-Control", "no-store")
        log.info("%s %s %s %s %.1fms request_id=%s", request.remote_addr, request.method, request.path,
                 response.status_code, (time.perf_counter() - started) * 1000, request_id)
        return response

    def backends(self, method):
        """The services' proxies for one request. A read (GET) sends its calls transient, held in the
        broker's memory only: written to disk before the broker confirms it (as a persistent message
        is), a read cost the broker twice the work. Lost in a broker restart, a read ends in the
        request's timeout and changed nothing. A write's calls stay persistent, so that one the
        broker holds when it restarts still runs."""
        proxies = {name: getattr(self, name) for name in DATA_SERVICES}
        if method in READS:
            proxies = {name: ServiceProxy(proxy.worker_ctx, proxy.service_name, proxy.reply_listener,
                                          **{**proxy.options, "delivery_mode": NON_PERSISTENT})
                       for name, proxy in proxies.items()}
        return SimpleNamespace(**proxies)

    def _dispatch(self, request, request_id):
        try:
            adapter = self._urls.bind_to_environ(request.environ)
            route, path_args = adapter.match()
        except NotFound:
            if request.method in ("GET", "HEAD") and is_portal_path(request.path):
                return portal_response(portal_dir(self.config), request.path,
                                       request.headers.get("Accept-Encoding", ""))
            return error_response(404, "NOT_FOUND", "请求的地址不存在")
        except MethodNotAllowed:
            return error_response(405, "METHOD_NOT_ALLOWED", "不支持该请求方法")
        if not (_storable(path_args) and _storable(request.args.to_dict(flat=False))):
            return error_response(400, "BAD_REQUEST", "请求地址或查询参数含有无效字符")
        ctx = RequestContext(request, self.backends(request.method), self.config, request_id, live=self.live,
                             proxies=self.proxies)
        try:
            with eventlet.Timeout(REQUEST_TIMEOUT_SECONDS):
                if route.auth:
                    ctx.identity = self._identity(request, route)
                result = route.handler(ctx, **path_args)
            if isinstance(result, tuple):
                payload, status = result
                return json_response(payload, status)
            if result is None:
                return Response(status=204) if route.status == 204 else json_response({}, route.status)
            if isinstance(result, (dict, list)):
                return json_response(result, route.status)
            return result  # a ready Response: a file, a stream
        except BusinessError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.details)
        except RequestEntityTooLarge:
            return error_response(413, "BODY_TOO_LARGE", "上传内容超过大小限制")
        except (UnknownService, OperationalError, ConnectionError) as exc:  # no replica, or no broker
            log.warning("service unavailable: %s request_id=%s", exc, request_id)
            return error_response(503, "SERVICE_UNAVAILABLE", "服务暂不可用，请稍后再试", request_id=request_id)
        except eventlet.Timeout:
            log.error("request timed out request_id=%s", request_id)
            return error_response(504, "TIMEOUT", "服务响应超时，请稍后再试", request_id=request_id)
        except RemoteError as exc:
            if exc.exc_type in DATABASE_DOWN:  # the service answers but cannot reach its database
                log.warning("database unavailable behind a service: %s request_id=%s", exc, request_id)
                return error_response(503, "SERVICE_UNAVAILABLE", "服务暂不可用，请稍后再试", request_id=request_id)
            log.error("remote error %s request_id=%s", exc, request_id)
            return error_response(500, "INTERNAL_ERROR", "系统内部错误，请稍后再试", request_id=request_id)
        except Exception:
            log.exception("unhandled error request_id=%s", request_id)
            return error_response(500, "INTERNAL_ERROR", "系统内部错误，请稍后再试", request_id=request_id)

    def _identity(self, request, route):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("请先登录")
        try:
            claims = self.tokens.verify(token.strip())
        except TokenError:
            raise unauthorized() from None
        if self.sessions.is_revoked(claims["jti"]):
            raise unauthorized()
        if claims.get("pwc") and not route.before_password_change:
            raise BusinessError("PASSWORD_CHANGE_REQUIRED", "首次登录须先修改初始密码", status=403)
        return claims
