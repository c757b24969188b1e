"""Typed business errors: a stable code, a Chinese message, an HTTP status.

They cross RPC as themselves (registered with nameko), so the gateway maps them
to `{"error": {"code", "message", "details"}}` with their status.
"""
import json
import re

from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class BusinessError(Exception):
    status = 400

    def __init__(self, code, message, details=None, status=None):
        self.code = code
        self.message = message
        if isinstance(details, str):  # as it arrives over RPC
            details = json.loads(details)
        self.details = list(details or [])
        if status is not None:
            self.status = int(status)
        # nameko turns nested arg values into strings; details cross as one JSON text.
        super().__init__(code, message, json.dumps(self.details, ensure_ascii=False, default=str),
                         self.status)

    def __str__(self):
        return f"{self.code}: {self.message}"

    def to_dict(self):
        return {"code": self.code, "message": self.message, "details": self.details}


def validation_error(details, message="提交的数据有误，请检查后重试"):
    return BusinessError("VALIDATION_ERROR", message, details, 400)


def field_error(code, field, message):
    """A refusal about one field, which the portal shows beside it."""
    return BusinessError(code, message, [{"field": field, "message": message}])


def not_found(what="记录"):
    return BusinessError("NOT_FOUND", f"{what}不存在或不属于本单位", status=404)


MAX_RECORD_ID = 2 ** 31 - 1  # the databases' integer keys


def record_id(value, what="记录"):
    """A record id from a caller; anything that is not one (too large, not ASCII digits) is simply not found."""
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 0 < int(text) <= MAX_RECORD_ID:
        raise not_found(what)
    return int(text)


def unauthorized(message="登录已失效，请重新登录"):
    return BusinessError("UNAUTHORIZED", message, status=401)


def forbidden(message="无权办理此业务"):
    return BusinessError("FORBIDDEN", message, status=403)


def conflict(code, message, details=None):
    return BusinessError(code, message, details, 409)


COUNTER_ONLY = "须至中心柜台办理"
