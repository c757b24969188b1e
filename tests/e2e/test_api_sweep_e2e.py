"""The whole OpenAPI document swept by schemathesis, as a logged-in clerk: no response is a 5xx and
every response conforms to the document. Bounded: a fixed budget of examples per operation and a
fixed seed (a larger budget is `make soak`)."""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from services.gateway import api as _routes  # noqa: F401  (registers the routes)
from services.gateway.openapi import openapi_document
from tests.e2e.helpers import employer_session

EXAMPLES = int(os.environ.get("HPF_SWEEP_EXAMPLES", "8"))
# Logging in, SMS codes and resets count toward the address throttle, logout and the password
# change end the session the sweep runs with: they are swept apart (test_auth_sweep_e2e).
SESSION_ROUTES = r"^/api/v1/auth/"

schema = schemathesis.openapi.from_dict(openapi_document()).exclude(path_regex=SESSION_ROUTES)


@pytest.fixture(scope="module")
def clerk(system):
    api, _ = employer_session(system, "接口扫描有限公司")
    return {"Authorization": f"Bearer {api.token}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_5xx_and_every_response_as_documented(case, system, clerk):
    case.call_and_validate(base_url=system.base_url, headers=clerk,
                           checks=[not_a_server_error, response_schema_conformance])
