"""Tenant isolation, swept over the route table: a route added later is covered without editing this.

Employer A has one record of every kind a path can name. Employer B, with its own token, calls
every authenticated route that takes an id with A's ids (→ 404 every time), and every list or
search (→ none of A's records in the answer). A's records are unchanged afterwards."""
import re
import time

import pytest

from services.gateway import api as _routes  # noqa: F401  (registers the routes)
from services.gateway.routing import ROUTES
from shared.clock import centre_today
from shared.months import hpf_year_of, month_of
from tests.e2e.helpers import employer_session
from tests.factories import mobile, resident_id

_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
NOT_RECORD_IDS = {"year"}  # a path part that names no employer's record: such a route is a list
# bodies for writes that validate their body before they look the record up
SAMPLE_BODIES = {
    ("PATCH", "/api/v1/openings/drafts/<draft_id>"): {"base": "5100.00"},
    ("PATCH", "/api/v1/members/<account_no>"): {"address": "别人的地址"},
    ("PATCH", "/api/v1/annual/<year>/rows/<row_id>"): {"new_base": "5100.00"},
}


def wait(check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture(scope="module")
def tenants(system):
    a, unit_a = employer_session(system, "隔离甲有限公司")
    b, unit_b = employer_session(system, "隔离乙有限公司")
    person = {"name": "甲单位职工", "id_number": resident_id(), "base": "5000.00", "mobile": mobile()}
    assert a.post("/api/v1/openings/drafts", json=person).status_code == 201
    submitted = a.post("/api/v1/openings/submit").json()
    wait(lambda: a.get(f"/api/v1/tasks/{submitted['task_id']}").json().get("status") == "succeeded")
    [member] = a.get("/api/v1/members", params={"id_number": person["id_number"]}).json()
    member_change = a.request("PATCH", f"/api/v1/members/{member['account_no']}", json={"address": "甲的地址"}).json()
    employer_change = a.request("PATCH", "/api/v1/employer", json={"postal_code": "710075"}).json()
    merge, sealed, seal_draft = _merged_and_sealed(a, person)
    draft = a.post("/api/v1/openings/drafts", json={**person, "id_number": resident_id(), "name": "甲单位待开户"}).json()
    verification = a.post("/api/v1/remittances", json={"month": month_of(centre_today(system.config))})
    assert verification.status_code == 201, verification.text
    assert a.post("/api/v1/consultations", json={"type": "政策咨询", "content": "甲单位的咨询内容"}).status_code == 201
    samples = {
        "draft_id": {"/api/v1/openings/": str(draft["id"]), "/api/v1/seals/": str(seal_draft["id"]),
                     "/api/v1/unseals/": str(seal_draft["id"]), "/api/v1/transfers/": str(seal_draft["id"]),
                     # A has no month posted to supplement: an id of another of its rosters stands in
                     "/api/v1/supplementaries/": str(draft["id"])},
        "batch_id": {"/api/v1/openings/": submitted["batch_id"], "/api/v1/seals/": sealed["batch_id"],
                     "/api/v1/transfers/": sealed["batch_id"]},
        "merge_no": merge["merge_no"],
        # A has no June posted to verify: an id of another of its rosters stands in
        "row_id": str(draft["id"]),
        "year": hpf_year_of(centre_today(system.config)) - 1,
        "account_no": member["account_no"],
        "change_id": {"/api/v1/members/changes/": member_change["change_id"],
                      "/api/v1/employer/changes/": str(employer_change["id"])},
        "task_id": submitted["task_id"],
        "verification_no": verification.json()["verification_no"],
    }
    markers = [unit_a, "隔离甲有限公司", member["account_no"], person["name"], "甲单位待开户", submitted["batch_id"],
               submitted["task_id"], verification.json()["verification_no"], member_change["change_id"], "甲单位的咨询内容",
               merge["merge_no"], sealed["batch_id"]]
    return a, b, samples, markers, {**member, "id_number": person["id_number"]}


def _merged_and_sealed(a, person):
    """A seals one of its members, opens a new account for that person and merges the sealed one
    into it; a second member waits in the seal roster."""
    other = {**person, "name": "甲单位职工二", "id_number": resident_id()}
    assert a.post("/api/v1/openings/drafts", json=other).status_code == 201
    opened = a.post("/api/v1/openings/submit").json()
    wait(lambda: a.get(f"/api/v1/tasks/{opened['task_id']}").json().get("status") == "succeeded")
    assert a.post("/api/v1/seals/drafts", json={"id_number": other["id_number"], "reason": "离职"}).status_code == 201
    sealed = a.post("/api/v1/seals/submit", json={}).json()
    wait(lambda: a.get(f"/api/v1/tasks/{sealed['task_id']}").json().get("status") == "succeeded")
    [old] = a.get("/api/v1/members", params={"id_number": other["id_number"]}).json()
    assert a.post("/api/v1/openings/drafts", json=other).status_code == 201
    reopened = a.post("/api/v1/openings/submit").json()
    wait(lambda: a.get(f"/api/v1/tasks/{reopened['task_id']}").json().get("status") == "succeeded")
    new = next(m for m in a.get("/api/v1/members", params={"id_number": other["id_number"]}).json()
               if m["account_no"] != old["account_no"])
    merge = a.post("/api/v1/merges", json={"from_account": old["account_no"], "to_account": new["account_no"]})
    assert merge.status_code == 200, merge.text
    seal_draft = a.post("/api/v1/seals/drafts", json={"account_no": new["account_no"], "reason": "调出"})
    assert seal_draft.status_code == 201, seal_draft.text
    return merge.json(), sealed, seal_draft.json()


def _sample(samples, name, path):
    value = samples.get(name)
    assert value is not None, f"no sample id for <{name}> of {path}: give employer A such a record in `tenants`"
    if isinstance(value, dict):
        value = next(v for prefix, v in value.items() if path.startswith(prefix))
    return value


def test_every_route_with_an_id_is_404_with_another_employers_id(tenants):
    a, b, samples, _, _ = tenants
    swept = []
    for route in ROUTES:
        names = _PARAM.findall(route.path)
        if not route.auth or not set(names) - NOT_RECORD_IDS:
            continue
        path = route.path
        for name in names:
            path = re.sub(rf"<(?:[a-z_]+:)?{name}>", str(_sample(samples, name, route.path)), path)
        body = SAMPLE_BODIES.get((route.method, route.path))
        response = b.request(route.method, path, json=body)
        assert response.status_code == 404, (route.method, route.path, response.status_code, response.text[:300])
        swept.append((route.method, route.path))
    assert len(swept) >= 15  # every id route of the hall so far


def test_no_list_or_search_shows_another_employers_records(tenants):
    a, b, samples, markers, member = tenants
    queries = {"/api/v1/members": [{"name": member["name"]}, {"account_no": member["account_no"]},
                                   {"id_number": member["id_number"]}],
               "/api/v1/statements": [{"year": samples["year"]}, {"year": samples["year"], "name": member["name"]}]}
    for route in ROUTES:
        if not route.auth or route.method != "GET" or set(_PARAM.findall(route.path)) - NOT_RECORD_IDS:
            continue
        path = _PARAM.sub(lambda m: str(samples[m.group(1)]), route.path)
        for params in queries.get(route.path, [{}]):
            response = b.get(path, params=params)
            # 404: a year's document (annual voucher, roster) that B does not have
            assert response.status_code in (200, 400, 404), (route.path, response.status_code)
            leaked = [m for m in markers if m in response.text]
            assert leaked == [], (route.path, params, leaked)


def test_another_employers_attempts_changed_nothing(tenants):
    a, b, samples, _, member = tenants
    assert a.get(f"/api/v1/members/{member['account_no']}").json()["address"] == "甲的地址"
    assert a.get(f"/api/v1/remittances/{samples['verification_no']}").json()["status"] == "saved"
    assert [d["name"] for d in a.get("/api/v1/openings/drafts").json()["items"]] == ["甲单位待开户"]
    assert a.get("/api/v1/seals/drafts").json()["total"] == 1
