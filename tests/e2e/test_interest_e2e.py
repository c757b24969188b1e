"""Interest settlement (B2) in the whole system, by `hpf centre settle-interest` and the timer."""
import json

from shared.clock import centre_today
from shared.months import hpf_year_of
from tests.e2e.helpers import hpf
from tests.waiting import wait_for


def settle(system, year):
    return hpf(system, "centre", "settle-interest", "--year", str(year), "--json", "--timeout", "60")


def test_b2_the_year_just_ended_is_settled_by_the_timer_and_again_by_hand_changes_nothing(system):
    ended = hpf_year_of(centre_today(system.config)) - 1
    first = wait_for(lambda: (r := settle(system, ended)).returncode == 0 and json.loads(r.stdout), timeout=60)
    assert first["status"] == "succeeded" and first["year"] == ended
    again = json.loads(settle(system, ended).stdout)
    assert (again["task_id"], again["credited"], again["amount"]) == (first["task_id"], first["credited"], first["amount"])
    running = settle(system, ended + 1)
    assert running.returncode == 1 and "尚未结束" in running.stderr
    plain = hpf(system, "centre", "settle-interest", "--year", str(ended))
    assert plain.returncode == 0 and f"{ended}年度结息完成" in plain.stdout
