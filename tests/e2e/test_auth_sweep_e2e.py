"""The session routes (login, SMS code, reset, password change, logout) swept by schemathesis on a
system of their own: their failures count toward the lockout and the address throttle, and logout
ends tokens, so the shared system never sees them. No 5xx, every response as documented."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from services.gateway import api as _routes  # noqa: F401  (registers the routes)
from services.gateway.openapi import openapi_document
from tests import infra
from tests.e2e.helpers import employer_session, running_system
from tests.e2e.test_api_sweep_e2e import EXAMPLES, SESSION_ROUTES

schema = schemathesis.openapi.from_dict(openapi_document()).include(path_regex=SESSION_ROUTES)


@pytest.fixture(scope="module")
def auth_system(broker):
    vhost = f"hpf-auth-sweep-{infra.run_id()}"
    try:
        with running_system(infra.create_vhost(broker, vhost), infra.admin_db_url(), "auth_sweep",
                            HPF_ADDRESS_MAX_FAILURES="1000000", HPF_LOCKOUT_MAX_FAILURES="1000000") as (system, _):
            yield system
    finally:
        infra.delete_vhost(broker, vhost)


@pytest.fixture
def fresh_clerk(auth_system):
    """A session of its own for each operation: its logout or password change ends only that one."""
    api, _ = employer_session(auth_system, "会话扫描有限公司")
    return {"Authorization": f"Bearer {api.token}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_session_routes_never_5xx_and_answer_as_documented(case, auth_system, fresh_clerk):
    case.call_and_validate(base_url=auth_system.base_url, headers=fresh_clerk,
                           checks=[not_a_server_error, response_schema_conformance])
