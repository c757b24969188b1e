"""Home statistics (F2.1): the member headcount as the accounts service counts it."""
import pytest

from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from tests.factories import employer_data, mobile, resident_id
from tests.waiting import wait_for


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    for cls in (EmployerService, ContributionsService, AccountsService):
        start_service(cls)


def test_f2_1_home_headcount_by_status_comes_from_accounts(rpc):
    employer = rpc.employer.register_employer(employer_data())
    unit_account, clerk_id = employer["unit_account"], employer["clerks"][0]["id"]
    for _ in range(2):
        rpc.accounts.add_opening_draft(unit_account, {"name": "刘职工", "id_number": resident_id(),
                                                      "base": "5000.00", "mobile": mobile()})
    rpc.accounts.submit_openings(unit_account, clerk_id)
    wait_for(lambda: rpc.accounts.member_counts(unit_account)["total"] == 2)
    headcount = rpc.employer.home_stats(unit_account)["headcount"]
    assert headcount["available"] is True and headcount["total"] == 2
    assert [(s["code"], s["count"]) for s in headcount["by_status"]] == [
        ("01", 2), ("02", 0), ("03", 0), ("06", 0)]
