"""The task contract: every asynchronous submission reports full snapshots on one exchange.

    task_changed {task_id, seq, employer_id, service, kind, title, needs_review, status,
                  total, done, failed, started_at, finished_at, message, errors}

`seq` grows with each snapshot of a task, so a consumer keeps the highest and ignores
duplicates and reordering. The submitting service owns the task's row (with its seq)
and reports through `TaskReporter`; nobody calls the progress service to report.
"""
import math
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from kombu import Exchange, Queue
from marshmallow import EXCLUDE, Schema, fields, validate
from nameko.amqp.publish import Publisher
from nameko.extensions import DependencyProvider

TASKS_EXCHANGE = Exchange("hpf.tasks", type="topic", durable=True)

QUEUED, RUNNING, SUCCEEDED, FAILED, PARTIAL = "queued", "running", "succeeded", "failed", "partial"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, PARTIAL)
FINAL_STATUSES = frozenset({SUCCEEDED, FAILED, PARTIAL})
STATUS_NAMES = {QUEUED: "排队中", RUNNING: "处理中", SUCCEEDED: "成功", FAILED: "失败", PARTIAL: "部分成功"}

REPORT_ROWS = 500
REPORT_FRACTION = 0.02


def task_queue(consumer_name):
    """A durable queue of every task snapshot, one per consuming service."""
    return Queue(f"{consumer_name}.task_changed", exchange=TASKS_EXCHANGE,
                 routing_key="#", durable=True)


def new_task_id():
    return uuid.uuid4().hex


def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def report_step(total):
    """Rows between two progress snapshots: 500, or 2% of a batch big enough for that to be more
    (a 10,000-row batch reports 20 times, a 50,000-row one 50 times)."""
    return max(REPORT_ROWS, math.ceil(total * REPORT_FRACTION))


def final_status(total, failed):
    if failed == 0:
        return SUCCEEDED
    return FAILED if failed >= total else PARTIAL


class ErrorRowSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    message = fields.String(required=True)
    original = fields.Dict(load_default=dict)  # the row as the clerk gave it, for the error file


MAX_COUNT = 2 ** 31 - 1  # what an INTEGER column holds: a larger count is not a real snapshot
_COUNT = validate.Range(min=0, max=MAX_COUNT)


class TaskSnapshotSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    task_id = fields.String(required=True, validate=validate.Length(1, 64))
    seq = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_COUNT))
    employer_id = fields.String(required=True, validate=validate.Length(1, 20))
    service = fields.String(required=True, validate=validate.Length(1, 30))
    kind = fields.String(required=True, validate=validate.Length(1, 50))
    title = fields.String(load_default="", validate=validate.Length(max=100))
    needs_review = fields.Boolean(load_default=False)
    submitted_by = fields.String(load_default="", allow_none=True, validate=validate.Length(max=50))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    total = fields.Integer(load_default=0, validate=_COUNT)
    done = fields.Integer(load_default=0, validate=_COUNT)
    failed = fields.Integer(load_default=0, validate=_COUNT)
    submitted_at = fields.String(allow_none=True, load_default=None)
    started_at = fields.String(allow_none=True, load_default=None)
    finished_at = fields.String(allow_none=True, load_default=None)
    message = fields.String(allow_none=True, load_default=None)
    errors = fields.List(fields.Nested(ErrorRowSchema), load_default=list)


@dataclass
class Task:
    """A task's state as its owner keeps it; `snapshot()` is what goes on the bus."""

    task_id: str
    employer_id: str
    service: str
    kind: str
    title: str = ""
    total: int = 0
    needs_review: bool = False
    submitted_by: str = ""
    status: str = QUEUED
    done: int = 0
    failed: int = 0
    seq: int = 0
    submitted_at: str = field(default_factory=now_iso)
    started_at: str = None
    finished_at: str = None
    message: str = None
    errors: list = field(default_factory=list)

    def snapshot(self):
        data = asdict(self)
        if self.status not in FINAL_STATUSES:
            data["errors"] = []  # error rows travel only on the final snapshot
        return data

    def start(self):
        self.status = RUNNING
        self.started_at = self.started_at or now_iso()

    def finish(self, message=None):
        self.status = final_status(self.total, self.failed)
        self.finished_at = now_iso()
        self.message = message


class TaskReporter(DependencyProvider):
    """Publishes task snapshots to the one tasks exchange, with publisher confirms."""

    def setup(self):
        self.publisher = Publisher(self.container.config["AMQP_URI"], declare=[TASKS_EXCHANGE],
                                   exchange=TASKS_EXCHANGE)

    def get_dependency(self, worker_ctx):
        return self

    def report(self, task):
        """Bump the task's seq and publish its snapshot. Persist `task.seq` with the task."""
        task.seq += 1
        self.publish(task)

    def publish(self, task):
        """Publish the snapshot with the seq its owner set (one taken in the owner's database)."""
        publish_snapshot(self.publisher, task.snapshot())


def publish_snapshot(publisher, snapshot):
    payload = TaskSnapshotSchema().dump(snapshot)
    publisher.publish(payload, routing_key=f"{snapshot['service']}.{snapshot['kind']}")


def snapshot_publisher(amqp_uri):
    """A publisher for use outside a service container (operators' tools, benchmarks)."""
    return Publisher(amqp_uri, declare=[TASKS_EXCHANGE], exchange=TASKS_EXCHANGE)
