"""Progress service: every asynchronous submission's latest snapshot (F15.1, F16.1).

It only listens: snapshots arrive on its durable queue of the tasks exchange; nobody calls
it to report. Everything it answers is scoped to the caller's employer."""
import logging
from datetime import datetime, timezone

import eventlet
from eventlet import tpool
from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.messaging import consume
from nameko.rpc import rpc
from sqlalchemy.exc import OperationalError

from services.progress import rules, store
from services.progress.schemas import (KindSchema, ResultQuerySchema, TaskOutSchema, TaskQuerySchema,
                                       TaskRowSchema)
from shared import xlsx
from shared.clock import centre_zone, day_range
from shared.downloads import XLSX, file_payload
from shared.db import Database, atomic
from shared.errors import BusinessError, not_found
from shared.schemas import load
from shared.tasks import TaskSnapshotSchema, task_queue

log = logging.getLogger(__name__)

REQUEUE_PAUSE_SECONDS = 1


class ProgressService:
    name = "progress"

    db = Database()
    config = Config()

    @rpc
    def ping(self):
        return "ok"

    @consume(task_queue("progress"), requeue_on_error=True)
    @atomic
    def on_task_changed(self, payload):
        """Keep the snapshot if it is the task's newest; a malformed one is logged and dropped."""
        try:
            snapshot = TaskSnapshotSchema().load(payload)
            row = rules.task_row(snapshot, datetime.now(timezone.utc))
        except (ValidationError, ValueError, TypeError) as exc:
            log.warning("task snapshot dropped: %s", exc)
            return
        try:
            store.save_snapshot(self.db, row)
        except OperationalError:
            eventlet.sleep(REQUEUE_PAUSE_SECONDS)  # database away: requeue, not in a tight loop
            raise

    def _day_range(self, query):
        return day_range(query.get("start"), query.get("end"), centre_zone(self.config))

    def _page(self, rows, total, query):
        return {"items": TaskRowSchema(many=True).dump(rows), "total": total,
                "page": query["page"], "page_size": query["page_size"]}

    @rpc(expected_exceptions=BusinessError)
    def list_tasks(self, employer_id, query=None):
        """F15.1: by transaction, needs-review flag, status and submission date; newest first."""
        query = load(TaskQuerySchema(), query or {})
        rows, total = store.list_tasks(self.db, employer_id, query, *self._day_range(query))
        return self._page(rows, total, query)

    @rpc(expected_exceptions=BusinessError)
    def list_results(self, employer_id, query=None):
        """F16.1: finished tasks by transaction and finishing date, with outcome and message."""
        query = load(ResultQuerySchema(), query or {})
        rows, total = store.list_results(self.db, employer_id, query, *self._day_range(query))
        return self._page(rows, total, query)

    @rpc
    def list_kinds(self, employer_id):
        return KindSchema(many=True).dump(store.list_kinds(self.db, employer_id))

    @rpc(expected_exceptions=BusinessError)
    def get_task(self, employer_id, task_id):
        return TaskOutSchema().dump(self._task(employer_id, task_id))

    @rpc(expected_exceptions=BusinessError)
    def error_file(self, employer_id, task_id):
        """The error file (报错文件) of a finished task: xlsx bytes, base64 for the JSON bus."""
        task = self._task(employer_id, task_id)
        if not task["errors"]:
            raise BusinessError("NO_ERROR_FILE", "该交易没有错误记录，无报错文件", status=404)
        content = tpool.execute(xlsx.error_file, task["errors"])
        return file_payload(f"{task['title'] or task['kind']}报错文件.xlsx", XLSX, content)

    def _task(self, employer_id, task_id):
        task = store.get_task(self.db, employer_id, str(task_id))
        if task is None:
            raise not_found("交易")
        return task
