"""Routes of the HTTP API as plain data: the dispatcher and the OpenAPI document read the same list."""
import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from shared.downloads import file_content

ROUTES = []
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(eq=False)  # routes are endpoints: hashed by identity
class Route:
    method: str
    path: str                       # werkzeug syntax: /api/v1/members/<account_no>
    handler: object
    summary: str
    tag: str
    auth: bool = True               # needs a bearer token
    before_password_change: bool = False  # allowed while the initial password is unchanged
    body: object = None             # marshmallow schema of the JSON body, for the document
    query: object = None            # marshmallow schema of the query string
    response: object = None         # marshmallow schema of the 2xx body
    status: int = 200
    produces: str = "application/json"
    extra: dict = field(default_factory=dict)


def route(method, path, summary, tag, **options):
    def register(handler):
        ROUTES.append(Route(method, path, handler, summary, tag, **options))
        return handler
    return register


def url_map():
    return Map([Rule(r.path, methods=[r.method], endpoint=r) for r in ROUTES],
               strict_slashes=False)


def json_response(payload, status=200, headers=None):
    body = json.dumps(payload, ensure_ascii=False, default=str)
    return Response(body, status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def error_response(status, code, message, details=None, request_id=None):
    error = {"code": code, "message": message, "details": details or []}
    if request_id:
        error["request_id"] = request_id
    return json_response({"error": error}, status)


def request_id_from(header_value, generate):
    """Keep a caller's X-Request-Id only when it is short and plain, else make one."""
    if header_value and _REQUEST_ID.fullmatch(header_value):
        return header_value
    return generate()


def file_response(file):
    """A download that a service produced with `shared.downloads.file_payload`; the name may be Chinese.
    A voucher's verification code travels in `X-Verification-Code`."""
    name = file["filename"]
    ascii_name = "".join(c if c.isascii() and c not in '"\\' else "_" for c in name)
    headers = {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}
    if file.get("verification_code"):
        headers["X-Verification-Code"] = file["verification_code"]
    return Response(file_content(file), content_type=file["content_type"], headers=headers)
