"""缴存证明 from the member page, and the public page its QR code opens (no login): genuine, forged."""
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.factories import mobile, resident_id
from tests.pdfs import check_link_of, text_of
from tests.waiting import wait_for


def test_certificate_download_and_the_public_check_of_its_qr_code(hall, clerk, system, browser):
    api, _, unit = clerk("浏览器证明有限公司")
    page = hall.page
    person = {"name": "扫码人", "id_number": resident_id(), "base": "5000.00", "mobile": mobile()}
    assert api.post("/api/v1/openings/drafts", json=person).status_code == 201
    task_id = api.post("/api/v1/openings/submit").json()["task_id"]
    wait_for(lambda: api.get(f"/api/v1/tasks/{task_id}").json().get("status") == "succeeded", timeout=60)

    hall.menu("个人账户管理", "个人账户查询", "个人账户信息查询")
    page.locator("input[name=member_query]").fill("扫码人")
    page.get_by_role("button", name="查询").click()
    with page.expect_download() as download:
        page.locator(".member-certificate").first.click()
    pdf = open(download.value.path(), "rb").read()
    assert download.value.suggested_filename.startswith("缴存证明_") and "住房公积金缴存证明" in text_of(pdf)
    link = check_link_of(pdf)
    path = urlsplit(link).path + "?" + urlsplit(link).query

    # a stranger's browser, not logged in, opens what the QR code holds
    stranger = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        public = stranger.new_page()
        public.goto(system.base_url + path)
        expect(public.locator(".verify-result")).to_have_attribute("data-valid", "true")
        expect(public.locator(".verify-facts")).to_contain_text("姓名扫**")
        expect(public.locator(".verify-facts")).to_contain_text(f"单位账号{unit}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        public.screenshot(path=str(SCREENSHOTS / f"{hall.name}-genuine.png"), full_page=True)
        query = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}
        public.goto(system.base_url + "/verify?" + urlencode({**query, "facts": query["facts"] + "；余额999999"}))
        expect(public.locator(".verify-facts-mismatch")).to_be_visible()
        public.goto(system.base_url + "/verify?" + urlencode({**query, "code": "0000-0000-0000-0000"}))
        expect(public.locator(".verify-result")).to_have_attribute("data-valid", "false")
        expect(public.get_by_text("无法核验：凭证信息与验证码不符")).to_be_visible()
        assert not re.search(r"/login", public.url)
    finally:
        stranger.close()
