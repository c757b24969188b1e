"""The demo employer of `make run` (dev mode): registered once, its login renewed on every run.

The known password is set through the clerk's own path: a new initial password from the centre,
a login with the captcha answer from the dev service, then the forced change.
"""
from hpf.dev import ask

DEMO_EMPLOYER = {
    "name": "西安示范科技有限公司",
    "credit_code": "91610131MA6TXKQ12N",
    "address": "陕西省西安市雁塔区科技路1号",
    "postal_code": "710065",
    "bank_name": "中国建设银行西安高新支行",
    "bank_account": "61050110000000000001",
    "legal_person_name": "王建国",
    "employer_rate": "0.12",
    "employee_rate": "0.12",
    "clerks": [{"name": "张三", "id_number": "610113199001011230", "mobile": "13800000000"}],
}
DEMO_PASSWORD = "Demo2026hall"


def seed_demo(rpc):
    """Register the demo employer if absent and give it the known password. Returns the login."""
    employer = rpc.employer.find_employer_by_credit_code(DEMO_EMPLOYER["credit_code"])
    if employer is None:
        employer = rpc.employer.register_employer(DEMO_EMPLOYER)
    unit_account = employer["unit_account"]
    initial = rpc.auth.issue_initial_password(unit_account)["initial_password"]
    clerk = DEMO_EMPLOYER["clerks"][0]
    login = {"unit_account": unit_account, "unit_name": employer["name"],
             "clerk_name": clerk["name"], "clerk_id_number": clerk["id_number"],
             "clerk_mobile": clerk["mobile"]}
    captcha = rpc.auth.new_captcha()
    rpc.auth.login({**login, "password": initial, "captcha_id": captcha["captcha_id"],
                    "captcha_answer": ask(rpc, "captcha_answer", captcha["captcha_id"])})
    rpc.auth.change_password(unit_account, employer["clerks"][0]["id"],
                             {"old_password": initial, "new_password": DEMO_PASSWORD})
    return {**login, "password": DEMO_PASSWORD}
