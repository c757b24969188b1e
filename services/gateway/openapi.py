"""The OpenAPI document, generated from the routes and their marshmallow schemas."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from marshmallow import fields

from services.gateway.routing import ROUTES
from shared.schemas import Money, Rate

_PATH_ARG = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
# what the API streams or sends as a file, described as what it is
_TEXT_TYPES = {"text/event-stream": {"type": "string", "description": "Server-Sent Events：event: task，data 为任务快照JSON"}}


def _decimal_as_string(self, field, **kwargs):
    """Money and rates cross as strings ("1234.50", "0.12"): never floats, and the document says so."""
    if isinstance(field, (Money, Rate)) or (isinstance(field, fields.Decimal) and field.as_string):
        return {"type": "string", "format": "decimal"}
    return {}


def _schema_name(schema):
    """A schema's name in the document: its class's without "Schema", and "…Patch" for a partial
    one (a PATCH body whose every field may be left out)."""
    name = (schema if isinstance(schema, type) else type(schema)).__name__.removesuffix("Schema")
    return f"{name}Patch" if getattr(schema, "partial", False) is True else name


def openapi_document():
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(title="住房公积金单位网厅 API", version="1.0.0", openapi_version="3.0.3", plugins=[plugin])
    plugin.converter.add_attribute_function(_decimal_as_string)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    paths = {}
    for r in ROUTES:
        operation = {"summary": r.summary, "tags": [r.tag], "responses": {}}
        if r.auth:
            operation["security"] = [{"bearer": []}]
        parameters = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                      for name in _PATH_ARG.findall(r.path)]
        if r.query is not None:
            parameters.append({"in": "query", "schema": r.query})
        if parameters:
            operation["parameters"] = parameters
        if r.body is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": r.body}}}
        ok = {"description": "成功"}
        if r.response is not None:
            ok["content"] = {r.produces: {"schema": r.response}}
        elif r.produces != "application/json":
            ok["content"] = {r.produces: {"schema": _TEXT_TYPES.get(r.produces, {"type": "string", "format": "binary"})}}
        operation["responses"][str(r.status)] = ok
        operation["responses"]["default"] = {"description": "错误：{error: {code, message, details}}"}
        operation.update(r.extra)
        path = _PATH_ARG.sub(r"{\1}", r.path)
        paths.setdefault(path, {})[r.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
