"""The portal in a real Chromium (Debian's /usr/bin/chromium, never a downloaded browser), against
the whole system started as in tests/e2e; the gateway serves the portal built from portal/.

This layer runs in its own process without eventlet (HPF_TEST_LAYER=browser, see tests/conftest.py):
captcha answers come from `hpf dev captcha`, as an operator would get them.
"""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hpf.portal import ensure_built
from shared.config import ROOT
from tests.e2e.conftest import api, system  # noqa: F401  (the same whole system as tests/e2e)
from tests.e2e.helpers import PASSWORD, Api, hpf, register
from tests.factories import login_of

def captcha_answer(system, captcha_id):  # noqa: F811
    result = hpf(system, "dev", "captcha", captcha_id)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def api_login(system, client, data, unit_account, password):
    captcha = client.get("/api/v1/auth/captcha").json()
    form = {**login_of(data, unit_account, password), "captcha_id": captcha["captcha_id"],
            "captcha_answer": captcha_answer(system, captcha["captcha_id"])}
    return client.post("/api/v1/auth/login", json=form)


CHROMIUM = os.environ.get("HPF_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def portal_built():
    ensure_built()


@pytest.fixture(scope="session")
def browser(portal_built):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"未找到 Chromium（{CHROMIUM}）：apt-get install -y chromium fonts-noto-cjk（.ci/run 会安装）")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


class Hall:
    """One clerk's browser tab on the hall, with what the tests need to drive it."""

    def __init__(self, system, page, name):
        self.system = system
        self.page = page
        self.name = name
        self.base = system.base_url
        self.console_problems = []

    def shot(self, label):
        """A screenshot on the way (the test's own is taken at its end): var/screenshots/TEST-LABEL.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{label}.png"), full_page=True)

    def goto(self, path):
        self.page.goto(self.base + path)

    def captcha_id(self, other_than=None):
        """The id of the captcha the login page shows (its image carries it), once it is not `other_than`."""
        image = self.page.locator("img.captcha-image")
        self.page.wait_for_function(
            "([selector, old]) => { const img = document.querySelector(selector);"
            " return img && img.dataset.captchaId && img.dataset.captchaId !== old; }",
            arg=["img.captcha-image", other_than or ""])
        return image.get_attribute("data-captcha-id")

    def open_login(self):
        """The login page; answers the id of the captcha it shows (read from the page, not from a
        response body, which is gone when the hall moves to the login page itself at that moment)."""
        self.goto("/login")
        self.page.wait_for_load_state("networkidle")  # settled: no second captcha on its way
        return self.captcha_id()

    def fill_login(self, form, captcha_id):
        page = self.page
        for name in ("unit_account", "unit_name", "clerk_name", "clerk_id_number", "clerk_mobile", "password"):
            page.locator(f"input[name={name}]").fill(form[name])
        page.locator("input[name=captcha_answer]").fill(captcha_answer(self.system, captcha_id))

    def submit_login(self):
        """Click 登录; answers the id of the new captcha the page shows after a failure, or None."""
        page = self.page
        shown = page.locator("img.captcha-image").get_attribute("data-captcha-id")
        with page.expect_response(re.compile(r"/api/v1/auth/login$")) as login:
            page.get_by_role("button", name="登 录").click()
        if login.value.status == 200:
            return None
        return self.captcha_id(other_than=shown)

    def login(self, data, unit_account, password):
        captcha_id = self.open_login()
        self.fill_login(login_of(data, unit_account, password), captcha_id)
        self.submit_login()

    def menu(self, *titles):
        """Open a page through the menus, as a clerk does. A group may still be folding or unfolding
        from the last click (the menu keeps one group open), so the path is opened again until the
        entry shows."""
        for _ in range(3):
            scope = self.page.locator(".aside")
            try:
                for title in titles[:-1]:
                    heading = scope.locator(".el-sub-menu__title", has_text=title).first
                    group = heading.locator("xpath=..")
                    if "is-opened" not in (group.get_attribute("class") or ""):
                        heading.click()
                    expect(group).to_have_class(re.compile(r"\bis-opened\b"), timeout=5_000)
                    scope = group
                entry = scope.locator(".el-menu-item", has_text=titles[-1]).first
                expect(entry).to_be_visible(timeout=5_000)
            except AssertionError:
                continue
            entry.click()
            return
        raise AssertionError(f"menu entry {' / '.join(titles)} never showed")


@pytest.fixture
def hall(browser, system, request):  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    tab = Hall(system, page, request.node.name)
    page.on("console", lambda msg: msg.type in ("error", "warning") and tab.console_problems.append(msg.text))
    page.on("pageerror", lambda exc: tab.console_problems.append(f"pageerror: {exc}"))
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        context.close()
    refused = [text for text in tab.console_problems if "Content Security Policy" in text or "Refused to" in text]
    assert not refused, refused  # the pages work under the CSP, with no inline script
    crashed = [text for text in tab.console_problems if text.startswith("pageerror")]
    assert not crashed, crashed


def employer_with_password(system, name):  # noqa: F811
    """A registered employer whose initial password is changed to PASSWORD (over the API)."""
    data, unit_account, initial = register(system, name)
    api_client = Api(system.base_url)
    first = api_login(system, api_client, data, unit_account, initial)
    assert first.status_code == 200, first.text
    api_client.token = first.json()["token"]
    changed = api_client.post("/api/v1/auth/password", json={"old_password": initial, "new_password": PASSWORD})
    assert changed.status_code == 204, changed.text
    second = api_login(system, api_client, data, unit_account, PASSWORD)
    api_client.token = second.json()["token"]
    return api_client, data, unit_account


@pytest.fixture
def clerk(system, hall):  # noqa: F811
    """make(name): a fresh employer logged in in the browser, on its home page: (api, data, unit)."""
    def make(name):
        api_client, data, unit_account = employer_with_password(system, name)
        hall.login(data, unit_account, PASSWORD)
        hall.page.wait_for_url(re.compile(r"/home$"))
        return api_client, data, unit_account
    return make
