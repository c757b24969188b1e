"""The progress service in a container: snapshots over the real broker into PostgreSQL."""
import base64
import io
import random

import eventlet
import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.progress import store
from services.progress.rules import task_row
from services.progress.service import ProgressService
from shared.errors import BusinessError
from shared.tasks import Task, TaskSnapshotSchema, new_task_id, publish_snapshot, snapshot_publisher
from tests.task_probe import BatchProbe
from tests.waiting import wait_for

EMPLOYER, OTHER = "610100000101", "610100000102"


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    start_service(BatchProbe)
    start_service(ProgressService)
    start_service(ProgressService)  # two replicas share the queue: snapshots of a task race


@pytest.fixture(scope="module")
def publish(config):
    publisher = snapshot_publisher(config["AMQP_URI"])
    return lambda snapshot: publish_snapshot(publisher, snapshot)


def stored(rpc, employer_id, task_id):
    try:
        return rpc.progress.get_task(employer_id, task_id)
    except BusinessError:
        return None


def wait_final(rpc, employer_id, task_id, seq, timeout=20):
    return wait_for(lambda: (lambda t: t if t and t["seq"] == seq else None)(stored(rpc, employer_id, task_id)),
                    timeout=timeout)


def make_task(employer_id=EMPLOYER, **fields):
    task = Task(new_task_id(), employer_id, "accounts", fields.pop("kind", "open_accounts"),
                title=fields.pop("title", "个人开户"), total=10, submitted_by="钱经办")
    for name, value in fields.items():
        setattr(task, name, value)
    return task


def test_f15_1_batch_reaches_its_final_state_with_counts(rpc):
    result = rpc.batch_probe.run_batch(EMPLOYER, 120, failed_rows=[7, 50], step=3)
    task = wait_final(rpc, EMPLOYER, result["task_id"], result["seq"])
    assert (task["status"], task["status_name"]) == ("partial", "部分成功")
    assert (task["total"], task["done"], task["failed"], task["percent"]) == (120, 118, 2, 100)
    assert (task["title"], task["submitted_by"], task["message"]) == ("测试开户", "钱经办", "处理完成")
    assert [e["row"] for e in task["errors"]] == [8, 51] and task["error_count"] == 2
    assert result["seq"] == 1 + 39 + 1  # queued, every 3rd row before the last, final


def test_f16_1_error_file_has_original_values_and_reason_as_text(rpc):
    result = rpc.batch_probe.run_batch(EMPLOYER, 20, failed_rows=[4])
    wait_final(rpc, EMPLOYER, result["task_id"], result["seq"])
    file = rpc.progress.error_file(EMPLOYER, result["task_id"])
    assert file["filename"] == "测试开户报错文件.xlsx"
    sheet = load_workbook(io.BytesIO(base64.b64decode(file["content_base64"]))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [["个人姓名", "证件号码", "行号", "错误原因"],
                    ["职工4", "'=610113199001010004", "5", "证件号码校验位错误"]]
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row)  # never a formula


def test_f16_1_no_error_file_when_nothing_failed(rpc):
    result = rpc.batch_probe.run_batch(EMPLOYER, 5)
    wait_final(rpc, EMPLOYER, result["task_id"], result["seq"])
    with pytest.raises(BusinessError) as err:
        rpc.progress.error_file(EMPLOYER, result["task_id"])
    assert (err.value.code, err.value.status) == ("NO_ERROR_FILE", 404)


def test_f15_1_another_employers_task_does_not_exist_for_it(rpc):
    result = rpc.batch_probe.run_batch(OTHER, 10, failed_rows=[1])
    wait_final(rpc, OTHER, result["task_id"], result["seq"])
    for call in (rpc.progress.get_task, rpc.progress.error_file):
        with pytest.raises(BusinessError) as err:
            call(EMPLOYER, result["task_id"])
        assert (err.value.code, err.value.status) == ("NOT_FOUND", 404)
    assert result["task_id"] not in [t["task_id"] for t in rpc.progress.list_tasks(EMPLOYER)["items"]]


def test_f15_1_highest_seq_wins_over_the_bus_whatever_the_order(rpc, publish):
    task = make_task(total=4)
    task.start()
    snapshots = []
    for _ in range(4):
        task.seq += 1
        task.done += 1
        snapshots.append(task.snapshot())
    task.finish("完成")
    task.seq += 1
    snapshots.append(task.snapshot())
    shuffled = snapshots + snapshots[:3]  # duplicates too
    random.Random(5).shuffle(shuffled)
    for snapshot in shuffled:
        publish(snapshot)
    final = wait_final(rpc, EMPLOYER, task.task_id, 5)
    assert (final["status"], final["done"], final["message"]) == ("succeeded", 4, "完成")


def test_f15_1_a_later_snapshot_never_moves_a_task_to_another_employer(rpc, publish):
    task = make_task(total=2)
    task.start()
    task.seq = 1
    publish(task.snapshot())
    wait_final(rpc, EMPLOYER, task.task_id, 1)
    task.employer_id, task.seq = OTHER, 2
    task.finish("完成")
    publish(task.snapshot())
    sentinel = make_task(total=1)  # published after the forged one: once it is stored, so is that
    sentinel.seq = 1
    publish(sentinel.snapshot())
    wait_final(rpc, EMPLOYER, sentinel.task_id, 1)
    eventlet.sleep(1)  # the other replica may still be storing the forged snapshot
    assert stored(rpc, OTHER, task.task_id) is None
    assert stored(rpc, EMPLOYER, task.task_id)["seq"] == 1


def test_f15_1_upsert_keeps_the_highest_seq_under_concurrent_writers(db_urls):
    """Several replicas storing snapshots of one task at once: the highest seq wins."""
    engine = create_engine(db_urls["progress"], pool_size=8)
    task = make_task(total=40)
    task.start()
    rows = []
    for seq in range(1, 41):
        task.seq, task.done = seq, seq
        rows.append(task_row(TaskSnapshotSchema().load(task.snapshot()), None))
    random.Random(7).shuffle(rows)

    def save(row):
        with Session(engine) as session:
            store.save_snapshot(session, row)
            session.commit()

    pool = eventlet.GreenPool(8)
    list(pool.imap(save, rows))
    with Session(engine) as session:
        kept = store.get_task(session, EMPLOYER, task.task_id)
    engine.dispose()
    assert (kept["seq"], kept["done"]) == (40, 40)


def test_f15_1_malformed_snapshots_are_dropped_and_block_nothing(rpc, publish, config):
    from kombu import Connection
    from shared.tasks import TASKS_EXCHANGE
    with Connection(config["AMQP_URI"]) as conn:
        producer = conn.Producer(exchange=TASKS_EXCHANGE, serializer="json")
        producer.publish({"task_id": "x", "seq": "not a number"}, routing_key="bad.snapshot")
        producer.publish(["not", "an", "object"], routing_key="bad.snapshot")
        producer.publish({**make_task().snapshot(), "seq": 1, "started_at": "yesterday"},
                         routing_key="bad.snapshot")
    good = make_task()
    good.seq = 1
    publish(good.snapshot())
    assert wait_final(rpc, EMPLOYER, good.task_id, 1)["status"] == "queued"


def test_f15_1_query_by_kind_review_status_and_dates_newest_first_paginated(rpc, publish):
    employer = "610100000199"
    specs = [  # (kind, needs_review, status, submitted_at)
        ("open_accounts", False, "succeeded", "2026-11-20T02:00:00+00:00"),
        ("open_accounts", True, "running", "2026-11-26T17:00:00+00:00"),   # 27 Nov in Xi'an
        ("seal_accounts", True, "failed", "2026-11-27T03:00:00+00:00"),
        ("open_accounts", False, "queued", "2026-11-27T15:59:59+00:00"),   # still 27 Nov
        ("open_accounts", False, "partial", "2026-11-27T16:00:00+00:00"),  # 28 Nov
    ]
    ids = []
    for kind, needs_review, status, submitted_at in specs:
        task = make_task(employer, kind=kind, needs_review=needs_review, status=status,
                         submitted_at=submitted_at, seq=1,
                         finished_at=submitted_at if status in ("succeeded", "failed", "partial") else None)
        publish(task.snapshot())
        ids.append(task.task_id)
    wait_for(lambda: rpc.progress.list_tasks(employer)["total"] == 5)

    def query(**q):
        return [ids.index(t["task_id"]) for t in rpc.progress.list_tasks(employer, q)["items"]]

    assert query() == [4, 3, 2, 1, 0]
    assert query(kind="open_accounts") == [4, 3, 1, 0]
    assert query(needs_review="true") == [2, 1]
    assert query(status="running") == [1]
    assert query(start="2026-11-27", end="2026-11-27") == [3, 2, 1]
    assert query(kind="open_accounts", needs_review="false", start="2026-11-21") == [4, 3]
    page = rpc.progress.list_tasks(employer, {"page": "2", "page_size": "2"})
    assert (page["total"], page["page"], [ids.index(t["task_id"]) for t in page["items"]]) == (5, 2, [2, 1])
    row = page["items"][0]
    assert (row["title"], row["submitted_by"], row["status_name"]) == ("个人开户", "钱经办", "失败")
    assert "errors" not in row
    assert rpc.progress.list_kinds(employer)[0]["kind"] in ("open_accounts", "seal_accounts")

    results = rpc.progress.list_results(employer, {"kind": "open_accounts"})
    assert [ids.index(t["task_id"]) for t in results["items"]] == [4, 0]
    results = rpc.progress.list_results(employer, {"start": "2026-11-27", "end": "2026-11-27"})
    assert [ids.index(t["task_id"]) for t in results["items"]] == [2]
    with pytest.raises(BusinessError) as err:
        rpc.progress.list_tasks(employer, {"start": "2026-13-01"})
    assert err.value.code == "VALIDATION_ERROR" and err.value.details[0]["field"] == "start"

