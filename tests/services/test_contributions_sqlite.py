"""The money path on SQLite (`make run`'s database): save, submit, a short receipt into suspense, the
centre's apply, posting through the stand-in accounts service, the ledger."""
from decimal import Decimal

import pytest

from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.clock import centre_today
from shared.db import make_engine
from shared.migrate import prepare
from shared.months import hpf_year_of
from tests.factories import employer_data, resident_id
from tests.records import remittance_account
from tests.services import contributions_standin as standin
from tests.services.contributions_standin import StandInAccounts
from tests.waiting import wait_for


@pytest.fixture(scope="module")
def sqlite_engine(config, start_service, tmp_path_factory):
    standin.reset()
    url = f"sqlite:///{tmp_path_factory.mktemp('contributions')}/contributions.db"
    uris = {**config["DB_URIS"], "contributions": url}
    prepare("contributions", {**config, "DB_URIS": uris})
    start_service(EmployerService)
    start_service(ContributionsService, DB_URIS=uris)
    start_service(StandInAccounts)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_f12_1_and_b1_on_sqlite(rpc, sqlite_engine, config):
    july = f"{hpf_year_of(centre_today(config))}07"
    registered = rpc.employer.register_employer(employer_data(first_month=july))
    unit, clerk = registered["unit_account"], registered["clerks"][0]["id"]
    wait_for(lambda: remittance_account(sqlite_engine, unit))
    standin.ROSTERS[unit] = [[f"7{unit[-6:]}{i:06d}", f"职工{i}", resident_id(), "5000.00"] for i in range(3)]
    saved = rpc.contributions.create_remittance(unit, clerk, {"month": july})
    assert (saved["headcount"], saved["amount"]) == (3, "3300.00")  # 5000 × (12% + 10%) × 3
    number = saved["verification_no"]
    rpc.contributions.submit_remittance(unit, clerk, number)
    short = rpc.contributions.post_bank_receipt({"bank_ref": f"Q1{unit}", "unit_account": unit,
                                                 "amount": "3000.00", "reference": number})
    rest = rpc.contributions.post_bank_receipt({"bank_ref": f"Q2{unit}", "unit_account": unit, "amount": "300.00"})
    assert rpc.contributions.post_bank_receipt({"bank_ref": f"Q2{unit}", "unit_account": unit,
                                                "amount": "300.00"}) == rest
    assert rpc.contributions.employer_suspense(unit, {})["balance"] == "3300.00"
    rpc.contributions.apply_suspense({"unit_account": unit, "verification_no": number,
                                      "items": [short["suspense_item"], rest["suspense_item"]]})
    wait_for(lambda: rpc.contributions.get_remittance(unit, number)["status"] == "posted")
    assert remittance_account(sqlite_engine, unit).paid_up_to == july
    ledger = rpc.contributions.employer_ledger(unit, {})
    assert [(e["book"], e["balance"]) for e in ledger] == [
        ("suspense", "3000.00"), ("suspense", "3300.00"), ("suspense", "0.00"), ("posted", "3300.00")]
    credited = [v for k, v in standin.CREDITED.items() if k[0] == number]
    assert sum(Decimal(a) + Decimal(b) for a, b in credited) == Decimal("3300.00") and len(credited) == 3
