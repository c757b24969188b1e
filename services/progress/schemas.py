"""Task rows and queries, as clerks see them (snapshots come in as shared.tasks.TaskSnapshotSchema)."""
from marshmallow import RAISE, fields, validate

from services.progress.rules import ERRORS_SHOWN, iso_utc, percent, task_row
from shared.schemas import MAX_PAGE, DateRangeSchema, LenientSchema
from shared.tasks import STATUS_NAMES, STATUSES, TaskSnapshotSchema


def _time(name):
    return fields.Function(lambda task: iso_utc(task[name]))


class TaskRowSchema(LenientSchema):
    """One task as a clerk sees it in a list (F15.1, F16.1)."""

    task_id = fields.String()
    kind = fields.String()
    title = fields.String(metadata={"description": "交易名称"})
    service = fields.String()
    needs_review = fields.Boolean(metadata={"description": "是否复核"})
    submitted_by = fields.String(metadata={"description": "经办人"})
    status = fields.String(metadata={"enum": list(STATUSES)})
    status_name = fields.Function(lambda task: STATUS_NAMES[task["status"]])
    total = fields.Integer()
    done = fields.Integer()
    failed = fields.Integer()
    percent = fields.Function(lambda task: percent(task["total"], task["done"], task["failed"],
                                                   task["status"]))
    submitted_at = _time("submitted_at")
    started_at = _time("started_at")
    finished_at = _time("finished_at")
    message = fields.String(allow_none=True)
    error_count = fields.Integer()
    seq = fields.Integer()


class ErrorOutSchema(LenientSchema):
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    message = fields.String()


class TaskOutSchema(TaskRowSchema):
    """The latest snapshot of one task; `errors` holds the first rows, the error file all."""

    errors = fields.Function(lambda task: ErrorOutSchema(many=True).dump(task["errors"][:ERRORS_SHOWN]))


def task_from_snapshot(body, received_at):
    """A snapshot from the bus as the task TaskOutSchema dumps, as the progress service would
    store it; only the error rows a task shows are read (a final snapshot may carry thousands).
    Raises ValidationError or ValueError for a malformed one."""
    errors = body.get("errors") or []
    row = task_row(TaskSnapshotSchema().load({**body, "errors": errors[:ERRORS_SHOWN]}), received_at)
    row["error_count"] = len(errors)
    return row


class TaskPageSchema(LenientSchema):
    items = fields.List(fields.Nested(TaskRowSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class ResultQuerySchema(DateRangeSchema):
    """F16.1: finished tasks by transaction and the date they finished."""

    class Meta:
        unknown = RAISE

    kind = fields.String(validate=validate.Length(1, 50), metadata={"description": "交易代码"})
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class TaskQuerySchema(ResultQuerySchema):
    """F15.1: tasks by transaction, needs-review flag, status and the date submitted."""

    needs_review = fields.Boolean(metadata={"description": "是否复核"})
    status = fields.String(validate=validate.OneOf(STATUSES))


class KindSchema(LenientSchema):
    kind = fields.String()
    title = fields.String()
