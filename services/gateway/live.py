"""Live task progress: snapshots off the bus, streamed to browsers as Server-Sent Events.

Each gateway replica binds its own exclusive, auto-delete queue to the tasks exchange and
hands every snapshot to its local watchers of that task. A stream starts from the newest
snapshot known (the progress service's, or a newer one this replica has seen), sends each
newer one and closes after a final one. A watcher that goes away is dropped when its next
write fails (at the latest one keepalive later); nothing is left behind.
"""
import json
import logging
import socket
import time
import uuid
from collections import OrderedDict, defaultdict
from datetime import datetime, timezone

import eventlet
from eventlet.queue import Empty, LightQueue
from kombu import Connection, Queue
from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

from services.progress.schemas import TaskOutSchema, task_from_snapshot
from shared.errors import BusinessError, not_found
from shared.tasks import FINAL_STATUSES, TASKS_EXCHANGE

log = logging.getLogger(__name__)

CLOSE = object()  # tells a watcher to end its stream (gateway stopping, bus reconnected)
RETRY_MILLISECONDS = 3000


class LiveTasks(DependencyProvider):

    def setup(self):
        settings = self.container.config["GATEWAY"]
        self.keepalive = float(settings["live_keepalive_seconds"])
        self.first_snapshot_wait = float(settings["live_first_snapshot_seconds"])
        self.recent_limit = int(settings["live_recent_tasks"])
        self.watchers = defaultdict(set)  # task_id -> the queues of this replica's streams
        self.recent = OrderedDict()       # task_id -> newest row seen, most recent last
        self.running = False

    def start(self):
        self.running = True
        self.container.spawn_managed_thread(self._listen)

    def stop(self):
        self.running = False
        self._close_all()

    def get_dependency(self, worker_ctx):
        return self

    # ---------- the bus side ----------

    def _listen(self):
        while self.running:
            try:
                with Connection(self.container.config["AMQP_URI"], heartbeat=30) as conn:
                    queue = Queue(f"gateway.live.{uuid.uuid4().hex}", exchange=TASKS_EXCHANGE,
                                  routing_key="#", exclusive=True, auto_delete=True, durable=False)
                    with conn.Consumer(queue, callbacks=[self._deliver], no_ack=True, accept=["json"]):
                        # snapshots may have passed unseen before this bind: streams restart
                        # (browsers reconnect by themselves) from the current snapshot
                        self._close_all()
                        while self.running:
                            try:
                                conn.drain_events(timeout=1)
                            except socket.timeout:
                                conn.heartbeat_check()
            except Exception:  # broker gone or restarting: keep trying while the gateway runs
                if self.running:
                    log.warning("live task listener lost the broker, reconnecting", exc_info=True)
                    eventlet.sleep(1)

    def _deliver(self, body, message):
        try:
            row = task_from_snapshot(body, datetime.now(timezone.utc))
        except (AttributeError, ValidationError, ValueError, TypeError):
            return
        task_id = row["task_id"]
        known = self.recent.get(task_id)
        if known is None or known["seq"] < row["seq"]:
            self.recent[task_id] = row
            self.recent.move_to_end(task_id)
            while len(self.recent) > self.recent_limit:
                self.recent.popitem(last=False)
        for inbox in list(self.watchers.get(task_id, ())):
            inbox.put(row)

    def _close_all(self):
        for inboxes in list(self.watchers.values()):
            for inbox in list(inboxes):
                inbox.put(CLOSE)

    # ---------- the HTTP side ----------

    def stream(self, ctx, task_id):
        """The SSE response for one task of the session's employer (404 for any other)."""
        inbox = LightQueue()
        self.watchers[task_id].add(inbox)
        try:
            current = self._current(ctx, task_id, inbox)
        except BaseException:
            self._unwatch(task_id, inbox)
            raise
        ctx.request.environ["eventlet.minimum_write_chunk_size"] = 0  # each event leaves at once
        return Response(self._events(ctx.employer_id, task_id, inbox, current),
                        mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    def _current(self, ctx, task_id, inbox):
        seen = self.recent.get(task_id)
        if seen is not None and seen["employer_id"] != ctx.employer_id:
            seen = None
        try:
            stored = ctx.rpc.progress.get_task(ctx.employer_id, task_id)
        except BusinessError as exc:
            if exc.code != "NOT_FOUND":
                raise
            stored = None
        if stored is not None and (seen is None or stored["seq"] >= seen["seq"]):
            return stored
        # just submitted: its first snapshot may not have reached the progress service yet
        seen = seen or self._next(inbox, ctx.employer_id, 0, self.first_snapshot_wait)
        if seen is None or seen is CLOSE:
            raise not_found("交易")
        return TaskOutSchema().dump(seen)

    def _next(self, inbox, employer_id, after_seq, timeout):
        """The next newer snapshot of this employer's task, CLOSE, or None after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                item = inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            except Empty:
                return None
            if item is CLOSE or (item["employer_id"] == employer_id and item["seq"] > after_seq):
                return item

    def _events(self, employer_id, task_id, inbox, current):
        try:
            yield f"retry: {RETRY_MILLISECONDS}\n\n"
            yield sse_event(current)
            while current["status"] not in FINAL_STATUSES:
                item = self._next(inbox, employer_id, current["seq"], self.keepalive)
                if item is CLOSE:
                    return
                if item is None:
                    yield ": keepalive\n\n"  # also finds out whether the watcher is still there
                    continue
                current = TaskOutSchema().dump(item)
                yield sse_event(current)
        finally:
            self._unwatch(task_id, inbox)

    def _unwatch(self, task_id, inbox):
        inboxes = self.watchers.get(task_id)
        if inboxes is not None:
            inboxes.discard(inbox)
            if not inboxes:
                del self.watchers[task_id]


def sse_event(task):
    return f"id: {task['seq']}\nevent: task\ndata: {json.dumps(task, ensure_ascii=False)}\n\n"
