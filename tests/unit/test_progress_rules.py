"""Progress rules: a snapshot as a row, the clerk's dates as UTC bounds, the error file."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from services.progress import rules
from shared.xlsx import error_sheet
from services.progress.schemas import TaskOutSchema, TaskQuerySchema
from shared.clock import day_range
from shared.errors import BusinessError
from shared.schemas import load
from shared.tasks import Task, TaskSnapshotSchema

RECEIVED = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


def snapshot(**changes):
    task = Task("t1", "610100000001", "accounts", "open_accounts", title="个人开户", total=200,
                submitted_by="张三", submitted_at="2026-11-27T09:30:00+08:00")
    task.start()
    task.seq = 3
    for name, value in changes.items():
        setattr(task, name, value)
    return TaskSnapshotSchema().load(task.snapshot())


def test_f15_1_task_row_keeps_times_in_utc_and_counts_errors():
    row = rules.task_row(snapshot(), RECEIVED)
    assert row["submitted_at"] == datetime(2026, 11, 27, 1, 30, tzinfo=timezone.utc)
    assert row["started_at"].tzinfo is not None and row["finished_at"] is None
    assert row["error_count"] == 0 and row["seq"] == 3


def test_f15_1_task_row_without_submission_time_takes_the_arrival():
    assert rules.task_row(snapshot(submitted_at=None), RECEIVED)["submitted_at"] == RECEIVED


def test_f15_1_malformed_time_is_refused():
    with pytest.raises(ValueError):
        rules.task_row(snapshot(started_at="yesterday"), RECEIVED)


def test_f15_1_snapshot_too_large_for_its_columns_is_refused():
    from marshmallow import ValidationError
    with pytest.raises(ValidationError):
        snapshot(employer_id="6" * 21)


def test_f15_1_view_shows_chinese_status_and_percent():
    view = TaskOutSchema().dump(rules.task_row(snapshot(done=49, failed=1), RECEIVED))
    assert view["title"] == "个人开户" and view["status_name"] == "处理中"
    assert view["percent"] == 25 and view["submitted_by"] == "张三"
    assert view["submitted_at"] == "2026-11-27T01:30:00+00:00"


def test_f15_1_percent():
    assert rules.percent(0, 0, 0, "queued") == 0
    assert rules.percent(3, 1, 0, "running") == 33
    assert rules.percent(3, 1, 1, "partial") == 100


def test_f15_1_dates_are_the_centres_calendar_days():
    lower, upper = day_range(date(2026, 11, 27), date(2026, 11, 27), ZoneInfo("Asia/Shanghai"))
    assert lower == datetime(2026, 11, 26, 16, 0, tzinfo=timezone.utc)
    assert upper == datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)
    assert day_range(None, None, ZoneInfo("Asia/Shanghai")) == (None, None)


def test_f15_1_query_refuses_reversed_dates_and_unknown_status_in_chinese():
    for query, field, message in (({"start": "2026-11-27", "end": "2026-11-01"}, "start", "开始日期不能晚于结束日期"),
                                  ({"status": "done"}, "status", "取值不在允许范围内"),
                                  ({"page_size": "1000"}, "page_size", "数值超出允许范围")):
        with pytest.raises(BusinessError) as err:
            load(TaskQuerySchema(), query)
        assert err.value.details == [{"field": field, "message": message}]


def test_f16_1_error_sheet_keeps_original_values_one_line_per_row():
    errors = [
        {"row": 3, "column": "证件号码", "message": "证件号码校验位错误",
         "original": {"个人姓名": "李四", "证件号码": "61011319900101123X"}},
        {"row": 3, "column": "手机号码", "message": "格式不正确",
         "original": {"个人姓名": "李四", "证件号码": "61011319900101123X"}},
        {"row": 5, "column": None, "message": "年龄超出范围",
         "original": {"个人姓名": "=HYPERLINK(\"x\")", "手机号码": "13800000000"}},
    ]
    headers, rows = error_sheet(errors)
    assert headers == ["个人姓名", "证件号码", "手机号码", "行号", "错误原因"]
    assert rows == [
        ["李四", "61011319900101123X", "", 3, "证件号码校验位错误；手机号码：格式不正确"],
        ["=HYPERLINK(\"x\")", "", "13800000000", 5, "年龄超出范围"],
    ]
