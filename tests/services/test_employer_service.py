"""Employer service in a container against the real RabbitMQ and PostgreSQL."""
import eventlet
import pytest
from nameko.standalone.events import event_dispatcher
from sqlalchemy import text

from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.errors import BusinessError
from tests.factories import employer_data, mobile, resident_id
from tests.records import remittance_account
from tests.waiting import wait_for


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    start_service(EmployerService)
    start_service(ContributionsService)


def test_register_employer_returns_unit_account_and_masked_clerk(services, rpc):
    data = employer_data()
    employer = rpc.employer.register_employer(data)
    assert employer["unit_account"].startswith("6101") and len(employer["unit_account"]) == 12
    assert employer["employer_rate"] == "0.1200"
    assert employer["clerks"][0]["id_number"].count("*") == 10
    again = rpc.employer.get_employer(employer["unit_account"])
    assert again["name"] == data["name"] and again["credit_code"] == data["credit_code"]


def test_read_of_an_employer_answers_what_its_registration_answered(services, rpc):
    """The read path (one statement, no ORM) against the registration's answer (the ORM objects)."""
    data = employer_data(legal_person_id_number=resident_id(), legal_person_phone="029-88886666")
    data["clerks"].append({"name": "李经办", "id_number": resident_id(), "mobile": mobile()})
    employer = rpc.employer.register_employer(data)
    other = rpc.employer.register_employer(employer_data())
    again = rpc.employer.get_employer(employer["unit_account"])
    assert again == employer
    assert [c["name"] for c in again["clerks"]] == ["钱经办", "李经办"]
    assert again["legal_person_id_number"].count("*") == 10 and again["clerks"][1]["mobile"].count("*") == 4
    assert rpc.employer.get_employer(other["unit_account"])["unit_account"] == other["unit_account"]


def test_register_emits_event_that_opens_remittance_account(services, rpc, db_engine):
    employer = rpc.employer.register_employer(employer_data())
    row = wait_for(lambda: remittance_account(db_engine("contributions"), employer["unit_account"]))
    assert str(row.employer_rate) == "0.1200" and row.paid_up_to is None


def test_invalid_employer_is_refused_in_chinese_and_nothing_stored(services, rpc, db_engine):
    data = employer_data(credit_code="91350100M000100Y44", postal_code="71")
    data["clerks"][0]["id_number"] = "110105194912310021"
    with pytest.raises(BusinessError) as err:
        rpc.employer.register_employer(data)
    messages = {d["field"]: d["message"] for d in err.value.details}
    assert err.value.code == "VALIDATION_ERROR"
    assert "校验位" in messages["credit_code"]
    assert "6位" in messages["postal_code"]
    assert "校验位" in messages["clerks.0.id_number"]
    with db_engine("employer").connect() as conn:
        assert conn.execute(text("select count(*) from employers where name = :n"),
                            {"n": data["name"]}).scalar() == 0


def test_rates_outside_policy_refused(services, rpc):
    with pytest.raises(BusinessError) as err:
        rpc.employer.register_employer(employer_data(employer_rate="0.13"))
    assert err.value.code == "RATE_OUT_OF_RANGE"


def test_duplicate_credit_code_refused(services, rpc):
    data = employer_data()
    rpc.employer.register_employer(data)
    with pytest.raises(BusinessError) as err:
        rpc.employer.register_employer(employer_data(credit_code=data["credit_code"]))
    assert err.value.code == "EMPLOYER_EXISTS" and err.value.status == 409


def test_verify_clerk_needs_every_field(services, rpc):
    data = employer_data()
    employer = rpc.employer.register_employer(data)
    clerk = data["clerks"][0]
    identity = {"unit_account": employer["unit_account"], "unit_name": data["name"],
                "clerk_name": clerk["name"], "clerk_id_number": clerk["id_number"].lower(),
                "clerk_mobile": clerk["mobile"]}
    assert rpc.employer.verify_clerk(identity)["clerk_name"] == clerk["name"]
    for field, wrong in (("unit_name", "别的单位"), ("clerk_name", "别人"),
                         ("clerk_mobile", "13000000000"), ("unit_account", "610199999999")):
        assert rpc.employer.verify_clerk({**identity, field: wrong}) is None


def test_unknown_employer_is_not_found(services, rpc):
    with pytest.raises(BusinessError) as err:
        rpc.employer.get_employer("610199999999")
    assert err.value.status == 404


def test_remittance_account_follows_the_employer_as_it_is_now_whatever_the_order(services, rpc, config,
                                                                                  db_engine):
    """A change heard before the registration opens the account; a stale change undoes nothing."""
    unit_account = rpc.employer.register_employer(employer_data())["unit_account"]
    engine = db_engine("contributions")

    def account(name=None):
        row = remittance_account(engine, unit_account)
        return row if row and (name is None or row.name == name) else None
    wait_for(account)
    with engine.begin() as conn:  # as if `employer_registered` had not been heard yet
        conn.execute(text("delete from employer_accounts where unit_account = :u"), {"u": unit_account})
    rpc.employer.counter_change_employer(unit_account, {"employer_rate": "0.08"}, "柜员李")
    assert str(wait_for(account).employer_rate) == "0.0800"
    event_dispatcher(config)("employer", "employer_changed", {  # an older change, heard late
        "unit_account": unit_account, "number": "DWBG20261127999998", "channel": "柜台",
        "fields": ["employer_rate"], "values": {"employer_rate": "0.1200"}})
    rpc.employer.counter_change_employer(unit_account, {"name": "后来改名有限公司"}, "柜员李")
    wait_for(lambda: account("后来改名有限公司"))
    eventlet.sleep(0.5)  # the stale event, if still queued, is handled too
    row = account()
    assert (row.name, str(row.employer_rate)) == ("后来改名有限公司", "0.0800")
