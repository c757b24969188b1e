"""Valid identifiers and records for tests, unique per call."""
import itertools
import random
from datetime import date, timedelta

from shared.clock import centre_today
from shared.config import load_config
from shared.identity import id_check_digit, uscc_check_char

_counter = itertools.count(1)
_rng = random.Random()


def resident_id(birth=None, male=True, area="610113"):
    """A random birth date (aged about 25 to 50) unless one is given: few IDs repeat in a run."""
    birth = birth or date(1976, 1, 1) + timedelta(days=_rng.randrange(9000))
    seq = _rng.randrange(0, 50) * 2 + (1 if male else 0)
    body = f"{area}{birth:%Y%m%d}{_rng.randrange(0, 10)}{seq:02d}"[:17]
    return body + id_check_digit(body)


def credit_code():
    body = f"91610131{_rng.randrange(10**8, 10**9)}".ljust(17, "0")[:17]
    return body + uscc_check_char(body)


def mobile():
    return f"139{_rng.randrange(10**7, 10**8)}"


def employer_data(**overrides):
    n = next(_counter)
    data = {
        "name": f"测试单位{n}号有限公司{_rng.randrange(10**6)}",
        "credit_code": credit_code(),
        "address": "陕西省西安市高新区测试路1号",
        "postal_code": "710075",
        "bank_name": "中国工商银行西安分行",
        "bank_account": "6222000000000000001",
        "legal_person_name": "赵法人",
        "employer_rate": "0.12",
        "employee_rate": "0.10",
        "clerks": [{"name": "钱经办", "id_number": resident_id(), "mobile": mobile()}],
    }
    data.update(overrides)
    return data


def login_of(employer_data, unit_account, password):
    clerk = employer_data["clerks"][0]
    return {"unit_account": unit_account, "unit_name": employer_data["name"],
            "clerk_name": clerk["name"], "clerk_id_number": clerk["id_number"],
            "clerk_mobile": clerk["mobile"], "password": password}


_id_blocks = itertools.count()


def resident_ids(count, first_birth=date(1976, 1, 1)):
    """`count` valid IDs of people aged between about 20 and 50, distinct from those of every other
    call in this run (one normal account per person in the centre: employers must not share them)
    and, by their area code, from `resident_id`'s."""
    ids, block = [], next(_id_blocks)
    for _ in range(1, -(-count // 9000)):
        next(_id_blocks)
    for i in range(count):
        body = f"610104{first_birth + timedelta(days=i % 9000):%Y%m%d}{(block + i // 9000) % 1000:03d}"
        ids.append(body + id_check_digit(body))
    return ids


def business_date():
    """Today in the centre's calendar, the date records are filed under (not the machine's date)."""
    return centre_today(load_config())
