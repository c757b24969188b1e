"""Auth service: initial password, login with argon2id, signed expiring token (F1.1, F1.2)."""
import pytest

from services.auth.service import AuthService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.errors import BusinessError
from shared.tokens import verify_token
from tests.factories import employer_data, login_of


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    for cls in (AuthService, EmployerService, ContributionsService):
        start_service(cls)


@pytest.fixture(scope="module")
def registered(rpc):
    data = employer_data()
    employer = rpc.employer.register_employer(data)
    issued = rpc.auth.issue_initial_password(employer["unit_account"])
    return data, employer["unit_account"], issued["initial_password"]


def test_initial_login_must_change_password(rpc, config, registered):
    data, unit_account, password = registered
    session = rpc.auth.login(login_of(data, unit_account, password))
    assert session["must_change_password"] is True
    claims = verify_token(config["AUTH"]["jwt_secret"], session["token"])
    assert claims["emp"] == unit_account and claims["pwc"] is True
    assert claims["exp"] - claims["iat"] == 30 * 60


def test_every_mismatch_gets_the_same_message(rpc, registered):
    data, unit_account, password = registered
    good = login_of(data, unit_account, password)
    messages = set()
    for field, wrong in (("password", "Wrong12345"), ("clerk_name", "别人"),
                         ("unit_account", "610199999999"), ("clerk_mobile", "13000000000")):
        with pytest.raises(BusinessError) as err:
            rpc.auth.login({**good, field: wrong})
        assert err.value.status == 401
        messages.add(err.value.message)
    assert len(messages) == 1


def test_change_password_then_login_without_forced_change(rpc, registered):
    data, unit_account, password = registered
    session = rpc.auth.login(login_of(data, unit_account, password))
    with pytest.raises(BusinessError) as err:
        rpc.auth.change_password(unit_account, "1", {"old_password": password, "new_password": "short1"})
    assert err.value.code == "WEAK_PASSWORD"
    with pytest.raises(BusinessError) as err:
        rpc.auth.change_password(unit_account, "1", {"old_password": "Nope12345", "new_password": "Hall2026ok"})
    assert err.value.code == "WRONG_PASSWORD"
    assert session["token"]
    rpc.auth.change_password(unit_account, "1", {"old_password": password, "new_password": "Hall2026ok"})
    again = rpc.auth.login(login_of(data, unit_account, "Hall2026ok"))
    assert again["must_change_password"] is False
    with pytest.raises(BusinessError):
        rpc.auth.login(login_of(data, unit_account, password))


def test_initial_password_for_unknown_employer_refused(rpc):
    with pytest.raises(BusinessError) as err:
        rpc.auth.issue_initial_password("610199999999")
    assert err.value.status == 404
