"""The demo employer of `make run`: registered once, its login reset on every run (dev only)."""

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
    """Register the demo employer if absent and set its known password. Returns the login."""
    employer = rpc.employer.find_employer_by_credit_code(DEMO_EMPLOYER["credit_code"])
    if employer is None:
        employer = rpc.employer.register_employer(DEMO_EMPLOYER)
    rpc.auth.dev_set_password(employer["unit_account"], DEMO_PASSWORD)
    clerk = DEMO_EMPLOYER["clerks"][0]
    return {"unit_account": employer["unit_account"], "unit_name": employer["name"],
            "clerk_name": clerk["name"], "clerk_id_number": clerk["id_number"],
            "clerk_mobile": clerk["mobile"], "password": DEMO_PASSWORD}
