"""The contribution certificate (缴存证明) and the QR check of every voucher, in the whole system."""
import json
import time
from urllib.parse import parse_qs, urlsplit

from shared.clock import centre_today
from shared.months import month_of
from tests.e2e.helpers import employer_session, hpf
from tests.factories import mobile, resident_id
from tests.pdfs import check_link_of, text_of


def wait_for_status(api, path, status, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.get(path).json().get("status") == status:
            return
        time.sleep(0.2)
    raise AssertionError(f"{path} did not become {status}")


def check_query(pdf):
    link = check_link_of(pdf)
    assert urlsplit(link).path == "/verify", link
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def test_certificate_of_a_member_with_its_checkable_qr_code(system):
    api, unit = employer_session(system, "缴存证明有限公司")
    other, _ = employer_session(system, "缴存证明乙有限公司")
    person = {"name": "证明人", "id_number": resident_id(), "base": "5000.00", "mobile": mobile()}
    assert api.post("/api/v1/openings/drafts", json=person).status_code == 201
    task = api.post("/api/v1/openings/submit").json()["task_id"]
    wait_for_status(api, f"/api/v1/tasks/{task}", "succeeded")
    [member] = api.get("/api/v1/members", params={"id_number": person["id_number"]}).json()
    verification = api.post("/api/v1/remittances", json={"month": month_of(centre_today(system.config))}).json()
    number = verification["verification_no"]
    api.post(f"/api/v1/remittances/{number}/submit")
    wait_for_status(api, f"/api/v1/remittances/{number}", "awaiting")
    receipt = hpf(system, "centre", "bank-receipt", "--unit-account", unit, "--amount", verification["amount"],
                  "--bank-ref", f"ZM{unit}", "--reference", number, "--json")
    assert json.loads(receipt.stdout)["result"] == "posted"
    wait_for_status(api, f"/api/v1/remittances/{number}", "posted")

    response = api.get(f"/api/v1/members/{member['account_no']}/certificate.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    shown = text_of(response.content)
    for expected in ("住房公积金缴存证明", member["account_no"], "近12个月缴存月数", verification["amount"],
                     month_of(centre_today(system.config))):
        assert expected in shown, expected
    query = check_query(response.content)
    assert query["code"] == response.headers["X-Verification-Code"] and query["kind"] == "certificate"
    checked = api.get("/api/v1/vouchers/verify", params=query).json()
    assert checked["valid"] is True and "余额" + verification["amount"] in checked["facts"]
    assert "姓名证**" in checked["facts"] and person["id_number"] not in checked["facts"]
    forged = api.get("/api/v1/vouchers/verify", params={**query, "facts": query["facts"].replace("余额", "余额9")})
    assert forged.json() == {"valid": True, "facts": None}
    assert other.get(f"/api/v1/members/{member['account_no']}/certificate.pdf").status_code == 404

    # every voucher carries its QR check: the remittance's and the opening's too
    for path in (f"/api/v1/remittances/{number}/voucher.pdf", f"/api/v1/openings/{api.get('/api/v1/openings').json()[0]['batch_id']}/voucher.pdf"):
        pdf = api.get(path).content
        assert api.get("/api/v1/vouchers/verify", params=check_query(pdf)).json()["facts"]
