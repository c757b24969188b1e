"""Login, first-login password change, lockout, logout and session expiry in the browser (F1.1, F1.2)."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import captcha_answer as hall_captcha, employer_with_password
from tests.e2e.helpers import PASSWORD, hpf, register
from tests.factories import login_of

NEW_PASSWORD = "Portal2026ok"


def test_f1_1_first_login_forces_the_password_change(system, hall):
    data, unit, initial = register(system, "浏览器首登有限公司")
    page = hall.page
    hall.login(data, unit, initial)
    page.wait_for_url(re.compile(r"/change-password$"))
    expect(page.get_by_text("首次登录须先修改初始密码")).to_be_visible()
    hall.shot("change-password")
    hall.goto("/home")  # nothing else before the change
    page.wait_for_url(re.compile(r"/change-password$"))
    page.locator("input[name=old_password]").fill(initial)
    page.locator("input[name=new_password]").fill(NEW_PASSWORD)
    page.locator("input[name=confirm]").fill(NEW_PASSWORD + "x")
    page.get_by_role("button", name="确认修改").click()
    expect(page.get_by_text("两次输入的新密码不一致")).to_be_visible()
    page.locator("input[name=confirm]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="确认修改").click()
    page.wait_for_url(re.compile(r"/login"))
    expect(page.get_by_text("密码已修改，请使用新密码登录")).to_be_visible()
    hall.login(data, unit, NEW_PASSWORD)
    page.wait_for_url(re.compile(r"/home$"))
    expect(page.locator(".employer-card")).to_contain_text("浏览器首登有限公司")
    expect(page.locator(".employer-card")).to_contain_text(unit)
    expect(page.locator(".header")).to_contain_text("孙经办")


def test_f1_1_wrong_password_then_lockout_with_its_end(system, hall):
    _, data, unit = employer_with_password(system, "浏览器锁定有限公司")
    page = hall.page
    form = login_of(data, unit, "Wrong2026pw")
    captcha_id = hall.open_login()
    hall.fill_login(form, captcha_id)
    captcha_id = hall.submit_login()
    expect(page.locator(".login-error")).to_be_visible()
    generic = page.locator(".login-error").inner_text()
    assert "密码" in generic and unit not in generic  # one message whatever was wrong
    for _ in range(6):
        if page.locator(".login-locked").count():
            break
        hall.fill_login(form, captcha_id)
        captcha_id = hall.submit_login()
    locked = page.locator(".login-locked")
    expect(locked).to_be_visible()
    expect(locked).to_contain_text("账户已锁定，解锁时间")
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", locked.inner_text())
    # even the right password is refused until then
    hall.fill_login(login_of(data, unit, PASSWORD), captcha_id)
    hall.submit_login()
    expect(page.locator(".login-locked")).to_be_visible()
    assert page.url.endswith("/login")


def test_f1_1_logout_ends_the_session(system, hall, clerk):
    clerk("浏览器退出有限公司")
    page = hall.page
    assert page.evaluate("() => sessionStorage.getItem('hpf.session')")
    page.get_by_role("button", name="退出登录").click()
    page.locator(".el-message-box").get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert page.evaluate("() => sessionStorage.getItem('hpf.session')") is None
    hall.goto("/employer")
    page.wait_for_url(re.compile(r"/login"))
    expect(page.get_by_role("button", name="登 录")).to_be_visible()


def test_f1_1_session_expiry_warns_then_returns_to_login(system, hall):
    _, data, unit = employer_with_password(system, "浏览器超时有限公司")
    page = hall.page
    page.clock.install()
    hall.login(data, unit, PASSWORD)
    page.wait_for_url(re.compile(r"/home$"))
    expect(page.locator(".expiry")).to_contain_text("登录有效至")
    page.clock.fast_forward("28:30")
    expect(page.get_by_text("登录即将到期")).to_be_visible()
    expect(page.locator(".expiry")).to_contain_text("登录剩余")
    hall.shot("warning")
    page.clock.fast_forward("02:00")
    page.wait_for_url(re.compile(r"/login"))
    expect(page.get_by_text("登录已超时，请重新登录").first).to_be_visible()


def test_f1_2_forgot_password_by_sms_code_then_login(system, hall):
    _, data, unit = employer_with_password(system, "浏览器找回密码有限公司")
    page = hall.page
    clerk_ = data["clerks"][0]
    captcha_id = hall.open_login()
    with page.expect_response(re.compile(r"/api/v1/auth/captcha$")) as fresh:
        page.get_by_role("button", name="忘记密码？").click()
    page.wait_for_url(re.compile(r"/forgot-password$"))
    assert fresh.value.json()["captcha_id"] != captcha_id
    values = {"unit_account": unit, "unit_name": data["name"], "clerk_name": clerk_["name"],
              "clerk_id_number": clerk_["id_number"], "clerk_mobile": clerk_["mobile"]}
    for name, value in values.items():
        page.locator(f"input[name={name}]").fill(value)
    page.locator("input[name=captcha_answer]").fill(hall_captcha(system, fresh.value.json()["captcha_id"]))
    page.get_by_role("button", name="获取短信验证码").click()
    resend = page.get_by_role("button", name=re.compile(r"\d+秒后可重新获取"))
    expect(resend).to_be_visible()
    expect(resend).to_be_disabled()
    sms = hpf(system, "dev", "sms", clerk_["mobile"])
    assert sms.returncode == 0, sms.stderr
    page.locator("input[name=sms_code]").fill(sms.stdout.strip())
    page.locator("input[name=new_password]").fill(NEW_PASSWORD)
    page.locator("input[name=confirm]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="确认重置").click()
    expect(page.get_by_text("密码已重置")).to_be_visible()
    page.get_by_role("button", name="返回登录").click()
    hall.login(data, unit, NEW_PASSWORD)
    page.wait_for_url(re.compile(r"/home$"))
