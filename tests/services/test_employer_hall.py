"""Employer service of the hall in containers against the real RabbitMQ and PostgreSQL:
changes and records (F6.1, F6.2), home (F2.1), messages, consultations (F17.1)."""
import base64
import collections

import eventlet
import pytest
from nameko.events import event_handler
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc as rpc_entrypoint

from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.errors import BusinessError
from shared.pdf import check_voucher_code
from shared.tasks import Task, TaskReporter, publish_snapshot
from tests.factories import employer_data, mobile, resident_id
from tests.records import remittance_account
from tests.waiting import wait_for

changed_events = []
finished_workers = collections.Counter()


class CountFinishedWorkers(DependencyProvider):
    """Counts workers per entrypoint once they are done (committed and acknowledged)."""

    def worker_teardown(self, worker_ctx):
        finished_workers[worker_ctx.entrypoint.method_name] += 1


class CountedEmployer(EmployerService):
    counter = CountFinishedWorkers()


class ChangeListener:
    name = "change_listener"

    @event_handler("employer", "employer_changed")
    def on_employer_changed(self, payload):
        changed_events.append(payload)


class TaskProbe:
    """Stands for any service with asynchronous submissions: reports through TaskReporter."""
    name = "task_probe"
    tasks = TaskReporter()

    @rpc_entrypoint
    def run(self, unit_account, task_id, total, failed, duplicates=0):
        task = Task(task_id, unit_account, "task_probe", "opening", title="个人开户", total=total,
                    submitted_by="钱经办")
        task.start()
        self.tasks.report(task)
        task.done, task.failed = total - failed, failed
        task.finish()
        self.tasks.report(task)
        for _ in range(duplicates):  # the same final snapshot again, as a redelivery would bring it
            publish_snapshot(self.tasks.publisher, task.snapshot())
        return 2 + duplicates


class StuckAccounts:
    """An accounts service that does not answer in time."""
    name = "accounts"

    @rpc_entrypoint
    def member_counts(self, unit_account):
        eventlet.sleep(2)


@pytest.fixture(scope="module", autouse=True)
def services(start_service, config):
    start_service(CountedEmployer, EMPLOYER={**config["EMPLOYER"], "stats_timeout_seconds": 0.5})
    for cls in (ContributionsService, ChangeListener, TaskProbe, StuckAccounts):
        start_service(cls)


def register(rpc, clerks=1):
    data = employer_data(clerks=[{"name": f"经办{n}", "id_number": resident_id(), "mobile": mobile()}
                                 for n in range(clerks)])
    employer = rpc.employer.register_employer(data)
    return employer["unit_account"], [c["id"] for c in employer["clerks"]], data


@pytest.fixture
def employer(rpc):
    return register(rpc)


# ---------- F6.1 ----------

def test_f6_1_change_is_one_record_with_old_and_new_values_and_an_event(rpc, employer):
    unit_account, (clerk_id, *_), data = employer
    change = rpc.employer.update_employer(unit_account, clerk_id, {
        "address": "陕西省西安市碑林区新址路8号", "postal_code": "710001", "bank_account": data["bank_account"]})
    assert change["channel"] == "网厅" and change["clerk_name"] == "经办0"
    assert change["number"].startswith("DWBG")
    assert {i["field"]: (i["old"], i["new"]) for i in change["items"]} == {
        "address": (data["address"], "陕西省西安市碑林区新址路8号"), "postal_code": (data["postal_code"], "710001")}
    now = rpc.employer.get_employer(unit_account)
    assert (now["address"], now["postal_code"]) == ("陕西省西安市碑林区新址路8号", "710001")
    event = wait_for(lambda: next((e for e in changed_events if e["number"] == change["number"]), None))
    assert event == {"unit_account": unit_account, "number": change["number"], "channel": "网厅",
                     "fields": ["address", "postal_code"],
                     "values": {"address": "陕西省西安市碑林区新址路8号", "postal_code": "710001"}}


@pytest.mark.parametrize("restricted", [
    {"name": "改名后的单位有限公司"},
    {"clerks": [{"name": "冒名", "id_number": "110105194912310021", "mobile": "13900000000"}]},
    {"employer_rate": "0.05"},
])
def test_f6_1_restricted_fields_cannot_be_changed_online(rpc, employer, restricted):
    unit_account, (clerk_id, *_), data = employer
    before = rpc.employer.get_employer(unit_account)
    with pytest.raises(BusinessError) as err:
        rpc.employer.update_employer(unit_account, clerk_id, {"address": "陕西省西安市新地址9号", **restricted})
    assert err.value.code == "COUNTER_ONLY" and "须至中心柜台办理" in err.value.message
    assert rpc.employer.get_employer(unit_account) == before
    assert rpc.employer.list_changes(unit_account) == []


def test_f6_1_invalid_values_change_nothing(rpc, employer):
    unit_account, (clerk_id, *_), _ = employer
    before = rpc.employer.get_employer(unit_account)
    with pytest.raises(BusinessError) as err:
        rpc.employer.update_employer(unit_account, clerk_id, {
            "address": "陕西省西安市新地址9号", "postal_code": "7100", "legal_person_id_number": "110105194912310022"})
    assert {d["field"] for d in err.value.details} == {"postal_code", "legal_person_id_number"}
    with pytest.raises(BusinessError) as err:
        rpc.employer.update_employer(unit_account, clerk_id, {"bank_name": before["bank_name"]})
    assert err.value.code == "NO_CHANGE"
    with pytest.raises(BusinessError) as err:
        rpc.employer.update_employer(unit_account, clerk_id, ["not", "an", "object"])
    assert err.value.code == "VALIDATION_ERROR"
    assert rpc.employer.get_employer(unit_account) == before
    assert rpc.employer.list_changes(unit_account) == []


def test_f6_1_counter_changes_name_rates_and_clerks_and_contributions_follow(rpc, db_engine):
    unit_account, (clerk_id, leaving_id), data = register(rpc, clerks=2)
    rpc.employer.set_shortcuts(unit_account, leaving_id, {"function_ids": ["F3.1"]})
    kept = data["clerks"][0]
    new_clerk = {"name": "新经办", "id_number": resident_id(), "mobile": mobile()}
    with pytest.raises(BusinessError) as err:
        rpc.employer.counter_change_employer(unit_account, {"employer_rate": "0.13"}, "柜员李")
    assert err.value.code == "RATE_OUT_OF_RANGE"
    change = rpc.employer.counter_change_employer(unit_account, {
        "name": "更名后科技有限公司", "employer_rate": "0.08",
        "clerks": [{**kept, "mobile": "13811112222"}, new_clerk]}, "柜员李")
    assert change["channel"] == "柜台" and change["clerk_name"] == "柜员李"
    assert [i["field"] for i in change["items"]] == ["name", "clerks", "employer_rate"]
    employer = rpc.employer.get_employer(unit_account)
    assert employer["name"] == "更名后科技有限公司" and employer["employer_rate"] == "0.0800"
    assert [c["id"] for c in employer["clerks"]][0] == clerk_id  # the clerk who stays keeps his id
    assert leaving_id not in [c["id"] for c in employer["clerks"]]
    with pytest.raises(BusinessError) as err:
        rpc.employer.get_shortcuts(unit_account, leaving_id)
    assert err.value.status == 404
    assert rpc.employer.verify_clerk({"unit_account": unit_account, "unit_name": "更名后科技有限公司",
                                      "clerk_name": "新经办", "clerk_id_number": new_clerk["id_number"],
                                      "clerk_mobile": new_clerk["mobile"]})["clerk_name"] == "新经办"
    def account():
        row = remittance_account(db_engine("contributions"), unit_account)
        return row if row and row.name == "更名后科技有限公司" else None
    row = wait_for(account)
    assert str(row.employer_rate) == "0.0800"


# ---------- F6.2 ----------

def test_f6_2_records_by_date_range_and_a_voucher_for_each(rpc, config, employer):
    unit_account, (clerk_id, *_), _ = employer
    first = rpc.employer.update_employer(unit_account, clerk_id, {"legal_person_name": "孙法人"})
    second = rpc.employer.update_employer(unit_account, clerk_id, {"legal_person_id_number": resident_id()})
    today = first["business_date"]
    records = rpc.employer.list_changes(unit_account, {"start": today, "end": today})
    assert [r["id"] for r in records] == [second["id"], first["id"]]
    assert records[0]["items"][0]["new"].count("*") == 10  # ID numbers are shown masked
    assert rpc.employer.list_changes(unit_account, {"start": "2020-01-01", "end": "2020-12-31"}) == []
    with pytest.raises(BusinessError) as err:
        rpc.employer.list_changes(unit_account, {"start": today, "end": "2020-01-01"})
    assert err.value.code == "VALIDATION_ERROR"
    with pytest.raises(BusinessError):
        rpc.employer.list_changes(unit_account, {"start": "2026-13-01"})
    voucher = rpc.employer.change_voucher(unit_account, first["id"])
    assert base64.b64decode(voucher["content_base64"]).startswith(b"%PDF")
    assert check_voucher_code(config["VOUCHERS"]["secret"], "employer_change", first["number"],
                              unit_account, voucher["verification_code"])


# ---------- scoping ----------

def test_another_employers_data_cannot_be_read_or_touched(rpc, employer):
    unit_account, (clerk_id, *_), _ = employer
    other, (other_clerk, *_), _ = register(rpc)
    change = rpc.employer.update_employer(unit_account, clerk_id, {"postal_code": "710099"})
    rpc.employer.send_notice({"title": "通知", "content": "只给甲单位", "unit_accounts": [unit_account]})
    message = rpc.employer.list_messages(unit_account)["items"][0]
    consultation = rpc.employer.submit_consultation(unit_account, clerk_id, {"type": "建议", "content": "甲单位的建议内容"})

    for change_id in (change["id"], str(change["id"]), "x"):
        with pytest.raises(BusinessError) as err:
            rpc.employer.change_voucher(other, change_id)
        assert err.value.status == 404
    assert rpc.employer.list_changes(other) == []
    assert rpc.employer.list_messages(other)["items"] == []
    assert rpc.employer.list_consultations(other) == []
    assert rpc.employer.mark_messages_read(other, {"ids": [message["id"]]}) == {"marked": 0, "unread": 0}
    assert rpc.employer.list_messages(unit_account)["unread"] == 1
    with pytest.raises(BusinessError) as err:  # a clerk of another employer
        rpc.employer.update_employer(other, clerk_id, {"postal_code": "710088"})
    assert err.value.status == 404
    assert rpc.employer.get_employer(other)["postal_code"] != "710088"
    assert consultation["id"] not in [c["id"] for c in rpc.employer.list_consultations(other)]


# ---------- F2.1 ----------

def test_f2_1_shortcuts_are_per_clerk_stored_and_at_most_twelve(rpc):
    unit_account, (first, second), _ = register(rpc, clerks=2)
    empty = rpc.employer.get_shortcuts(unit_account, first)
    assert empty["shortcuts"] == [] and empty["max"] == 12
    assert {"id": "F3.1", "name": "个人开户", "menu": "个人账户管理-个人开户"} in empty["available"]
    added = rpc.employer.set_shortcuts(unit_account, first, {"function_ids": ["F3.1", "F12.1", "F17.1"]})
    assert [s["id"] for s in added["shortcuts"]] == ["F3.1", "F12.1", "F17.1"]
    assert "F3.1" not in [f["id"] for f in added["available"]]
    removed = rpc.employer.set_shortcuts(unit_account, first, {"function_ids": ["F3.1", "F17.1"]})
    assert [s["id"] for s in removed["shortcuts"]] == ["F3.1", "F17.1"]
    too_many = [f["id"] for f in empty["available"]][:13]
    for wrong in ({"function_ids": too_many}, {"function_ids": ["F0.0"]}, {"function_ids": "F3.1"}):
        with pytest.raises(BusinessError):
            rpc.employer.set_shortcuts(unit_account, first, wrong)
    assert [s["id"] for s in rpc.employer.get_shortcuts(unit_account, first)["shortcuts"]] == ["F3.1", "F17.1"]
    assert rpc.employer.get_shortcuts(unit_account, second)["shortcuts"] == []


def test_f2_1_home_stats_say_headcount_unavailable_when_accounts_does_not_answer(rpc, employer):
    unit_account, _, _ = employer
    stats = rpc.employer.home_stats(unit_account)
    assert stats["headcount"]["available"] is False and stats["headcount"]["total"] is None
    assert "无法获取" in stats["headcount"]["message"]
    assert stats["monthly"]["items"] == []


def test_f2_1_notices_reach_the_named_employers_and_are_marked_read(rpc, employer):
    unit_account, _, _ = employer
    other, _, _ = register(rpc)
    with pytest.raises(BusinessError) as err:
        rpc.employer.send_notice({"title": "通知", "content": "内容", "unit_accounts": [unit_account, "610199999999"]})
    assert err.value.status == 404 and "610199999999" in err.value.message
    assert rpc.employer.list_messages(unit_account)["total"] == 0
    sent = rpc.employer.send_notice({"title": "年度核定提醒", "content": "请于7月前办理年度核定",
                                     "unit_accounts": [unit_account]})
    assert sent["recipients"] == 1
    everyone = rpc.employer.send_notice({"title": "系统维护", "content": "本周六暂停服务"})
    assert everyone["recipients"] >= 2
    mine = rpc.employer.list_messages(unit_account)
    assert mine["unread"] == 2 and mine["unread_by_kind"]["notice"] == 2
    assert [m["title"] for m in mine["items"]] == ["系统维护", "年度核定提醒"]
    assert [m["title"] for m in rpc.employer.list_messages(other)["items"]] == ["系统维护"]
    marked = rpc.employer.mark_messages_read(unit_account, {"ids": [mine["items"][1]["id"]]})
    assert marked == {"marked": 1, "unread": 1}
    assert [m["title"] for m in rpc.employer.list_messages(unit_account, {"unread": "true"})["items"]] == ["系统维护"]
    assert rpc.employer.mark_messages_read(unit_account, {"all": True}) == {"marked": 1, "unread": 0}
    with pytest.raises(BusinessError):
        rpc.employer.mark_messages_read(unit_account, {})


def test_f2_1_a_finished_task_leaves_exactly_one_message(rpc, employer):
    unit_account, _, _ = employer
    handled = finished_workers["on_task_changed"]
    snapshots = rpc.task_probe.run(unit_account, "probe-task-1", 10, 3, duplicates=2)
    snapshots += rpc.task_probe.run("610199999999", "probe-task-2", 5, 0)  # an unknown employer's task
    wait_for(lambda: finished_workers["on_task_changed"] >= handled + snapshots)
    messages = rpc.employer.list_messages(unit_account, {"kind": "task"})
    assert messages["total"] == 1
    [message] = messages["items"]
    assert message["title"] == "个人开户部分成功" and "失败3笔" in message["body"]
    assert message["ref"] == {"task_id": "probe-task-1", "status": "partial"}


# ---------- F17.1 ----------

def test_f17_1_consultation_is_answered_by_the_centre_and_seen_as_a_message(rpc, employer):
    unit_account, (clerk_id, *_), _ = employer
    asked = rpc.employer.submit_consultation(unit_account, clerk_id, {
        "type": "政策咨询", "content": "  单位缴存比例能否在年度中调整？ "})
    assert asked["status"] == "待答复" and asked["content"] == "单位缴存比例能否在年度中调整？"
    pending = [c for c in rpc.employer.pending_consultations() if c["id"] == asked["id"]]
    assert pending[0]["unit_account"] == unit_account
    for wrong_id in ("999999999", "abc"):
        with pytest.raises(BusinessError) as err:
            rpc.employer.reply_consultation(wrong_id, {"reply": "答复"})
        assert err.value.status == 404
    replied = rpc.employer.reply_consultation(asked["id"], {"reply": "可于每年7月年度核定时调整。", "replied_by": "王专员"})
    assert replied["status"] == "已答复"
    with pytest.raises(BusinessError) as err:
        rpc.employer.reply_consultation(asked["id"], {"reply": "再次答复"})
    assert err.value.code == "ALREADY_REPLIED"
    [history] = rpc.employer.list_consultations(unit_account)
    assert (history["status"], history["reply"], history["replied_by"]) == ("已答复", "可于每年7月年度核定时调整。", "王专员")
    assert rpc.employer.list_consultations(unit_account, {"status": "待答复"}) == []
    [message] = rpc.employer.list_messages(unit_account, {"kind": "consultation"})["items"]
    assert "可于每年7月年度核定时调整。" in message["body"] and message["read"] is False
    assert message["ref"] == {"consultation_id": asked["id"]}
