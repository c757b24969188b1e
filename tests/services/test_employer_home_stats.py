"""Home statistics (F2.1): the member headcount as the accounts service counts it."""
import pytest

from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from tests.factories import employer_data

pytestmark = pytest.mark.skipif(not hasattr(AccountsService, "member_counts"),
                                reason="accounts.member_counts is not on this branch yet")


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    for cls in (EmployerService, ContributionsService, AccountsService):
        start_service(cls)


def test_f2_1_home_headcount_by_status_comes_from_accounts(rpc):
    unit_account = rpc.employer.register_employer(employer_data())["unit_account"]
    counts = rpc.accounts.member_counts(unit_account)
    headcount = rpc.employer.home_stats(unit_account)["headcount"]
    assert headcount == {"available": True, "total": counts["total"], "by_status": counts["by_status"]}
    assert [s["code"] for s in headcount["by_status"]] == ["01", "02", "03", "06"]
