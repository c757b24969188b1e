"""Tasks over HTTP with the whole system as processes (F15.1, F16.1)."""
import io
import json
import time

import eventlet
import requests
from openpyxl import load_workbook

from shared.tasks import new_task_id
from tests.e2e.helpers import employer_session
from tests.task_probe import StandaloneReporter, run_batch


def wait_task(api, task_id, seq, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = api.get(f"/api/v1/tasks/{task_id}")
        if response.status_code == 200 and response.json()["seq"] == seq:
            return response.json()
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} did not reach seq {seq}")


def test_f15_1_nothing_lost_while_progress_is_down(system):
    """Stop progress, run a batch to completion, start progress: the task shows its final state."""
    api, unit_account = employer_session(system, "进度停机测试公司")
    system.stop_service("progress")
    try:
        result = run_batch(StandaloneReporter(system.config["AMQP_URI"]), unit_account, 1000,
                           failed_rows={7, 500})
    finally:
        system.start_service("progress")
    task = wait_task(api, result["task_id"], result["seq"])
    assert (task["status"], task["done"], task["failed"]) == ("partial", 998, 2)
    assert result["seq"] == 3  # queued, after 500 rows, final: never a snapshot per row

    listed = api.get("/api/v1/tasks", params={"kind": "probe_open"}).json()
    assert [t["task_id"] for t in listed["items"]] == [result["task_id"]]
    assert listed["items"][0]["status_name"] == "部分成功"
    results = api.get("/api/v1/results").json()["items"]
    assert results[0]["task_id"] == result["task_id"] and results[0]["message"] == "处理完成"

    file = api.get(f"/api/v1/tasks/{result['task_id']}/errors.xlsx")
    assert file.status_code == 200 and file.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(file.content)).active.iter_rows()]
    assert rows[0] == ["个人姓名", "证件号码", "行号", "错误原因"] and len(rows) == 3


def test_f15_1_live_progress_as_server_sent_events(system):
    """A page opens the stream as it submits, and draws the bar from the events alone."""
    api, unit_account = employer_session(system, "进度实时测试公司")
    task_id = new_task_id()
    batch = eventlet.spawn_after(0.5, run_batch, StandaloneReporter(system.config["AMQP_URI"]),
                                 unit_account, 10_000, pause=0.02, task_id=task_id)
    stream = requests.get(f"{system.base_url}/api/v1/tasks/{task_id}/events",
                          headers={"Authorization": f"Bearer {api.token}"}, stream=True, timeout=10)
    assert stream.status_code == 200
    data = [json.loads(line[6:]) for line in stream.iter_lines(decode_unicode=True)
            if line.startswith("data: ")]
    seqs = [d["seq"] for d in data]
    assert seqs == sorted(set(seqs)) and len(seqs) > 10 and seqs[-1] == batch.wait()["seq"]
    assert data[-1]["status"] == "succeeded" and data[-1]["percent"] == 100


def test_f15_1_another_employers_task_does_not_exist_for_it(system):
    api_a, account_a = employer_session(system, "进度甲公司")
    api_b, _ = employer_session(system, "进度乙公司")
    result = run_batch(StandaloneReporter(system.config["AMQP_URI"]), account_a, 10, failed_rows={1})
    wait_task(api_a, result["task_id"], result["seq"])
    for path in ("", "/errors.xlsx", "/events"):
        response = api_b.get(f"/api/v1/tasks/{result['task_id']}{path}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
    assert api_b.get("/api/v1/tasks").json()["total"] == 0
    bad = api_b.get("/api/v1/tasks", params={"start": "2026-02-30", "page_size": "0"})
    assert bad.status_code == 400 and {d["field"] for d in bad.json()["error"]["details"]} == {
        "start", "page_size"}
