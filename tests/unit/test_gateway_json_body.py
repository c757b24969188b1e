"""The gateway's JSON body limit holds however the body's length is known."""
import io

import pytest
from werkzeug.wrappers import Request

from services.gateway.service import MAX_JSON_BYTES, RequestContext
from shared.errors import BusinessError


def json_of(body, environ):
    request = Request({"REQUEST_METHOD": "POST", "PATH_INFO": "/", "SERVER_NAME": "hall", "SERVER_PORT": "80",
                       "wsgi.url_scheme": "http", "CONTENT_TYPE": "application/json",
                       "wsgi.input": io.BytesIO(body), **environ})
    return RequestContext(request, rpc=None, config={}, request_id="r").json()


@pytest.mark.parametrize("environ", [{"CONTENT_LENGTH": str(MAX_JSON_BYTES + 1)},
                                     {"wsgi.input_terminated": True}],  # chunked: no Content-Length
                         ids=["content-length", "terminated-stream"])
def test_a_body_over_1_mb_is_413(environ):
    with pytest.raises(BusinessError) as err:
        json_of(b" " * (MAX_JSON_BYTES + 1), environ)
    assert err.value.status == 413 and err.value.code == "BODY_TOO_LARGE"


def test_a_body_within_the_limit_is_read():
    assert json_of(b'{"a": 1}', {"wsgi.input_terminated": True}) == {"a": 1}
