"""A submitted roster as a task: its rows applied chunk by chunk, resumable after a crash.

One runner for every kind of roster (openings, seals, unseals, transfers): a kind gives its rows
and what applying a chunk of them means; the runner does the locking, the counts, the snapshots
and the final announcement. Each chunk applies its rows and records their state in one
transaction, so a redelivered start event (or the start-up sweep) carries on with the rows still
pending and never applies a row twice.
"""
from dataclasses import dataclass
from typing import Callable

import eventlet

from services.accounts import store
from services.accounts.models import OpeningBatch
from shared.tasks import FINAL_STATUSES, QUEUED, RUNNING, Task, final_status, report_step


@dataclass(frozen=True)
class BatchKind:
    kind: str                 # OpeningBatch.kind
    task_kind: str            # the task contract's kind
    title: str                # the task's title, as the clerk sees it
    done_word: str            # 开户 → "开户成功3人，失败1人"
    pending_rows: Callable    # (session, batch_id, limit) -> rows, locked SKIP LOCKED
    apply_chunk: Callable     # (session, batch, rows, context) -> (done, failed)
    failed_rows: Callable     # (session, batch_id) -> [{row, column, message, original}]
    announced: Callable = None  # (session, batch, dispatch): events to send with the final snapshot


def task_of(kind, batch, errors=()):
    """The batch as a task, with the seq committed with the batch."""
    message = (f"{kind.done_word}成功{batch.done}人，失败{batch.failed}人"
               if batch.status in FINAL_STATUSES else None)
    return Task(batch.task_id, batch.unit_account, "accounts", kind.task_kind, title=kind.title,
                total=batch.total, submitted_by=batch.submitted_by, status=batch.status, done=batch.done,
                failed=batch.failed, seq=batch.seq, submitted_at=_iso(batch.submitted_at),
                started_at=_iso(batch.started_at), finished_at=_iso(batch.finished_at),
                message=message, errors=list(errors))


def _iso(moment):
    return moment.isoformat(timespec="seconds") if moment else None


def commit_and_report(session, kind, batch, reporter, errors=()):
    """Persist the next seq with the batch, then publish that snapshot."""
    store.next_seq(session, batch)
    session.commit()
    reporter.publish(task_of(kind, batch, errors))


def run_batch(session, kind, batch_id, context, reporter, dispatch):
    batch = session.get(OpeningBatch, batch_id, with_for_update=True)  # one worker starts it
    if batch is None or batch.announced:
        session.rollback()
        return
    if batch.status == QUEUED:
        batch.status, batch.started_at = RUNNING, store.now()
        commit_and_report(session, kind, batch, reporter)
    else:
        session.commit()  # no lock on the batch row while applying rows
    step = report_step(batch.total)
    while True:
        rows = kind.pending_rows(session, batch.id, step)
        if not rows:
            break
        done, failed = kind.apply_chunk(session, batch, rows, context)
        store.add_counts(session, batch, done, failed)
        commit_and_report(session, kind, batch, reporter)
        eventlet.sleep(0)  # let heartbeats and other workers run between chunks
    session.refresh(batch, with_for_update=True)  # one worker finishes the batch
    if batch.announced:
        session.commit()
        return  # another worker finished it
    if batch.done + batch.failed < batch.total:  # the counts each chunk committed with its rows
        session.commit()
        return  # another worker still holds rows of this batch; it will finish
    batch.status, batch.finished_at = final_status(batch.total, batch.failed), store.now()
    announce(session, kind, batch, reporter, dispatch)


def announce(session, kind, batch, reporter, dispatch):
    """Send the final snapshot (with the error rows) and the kind's events, then commit the final
    state as announced. The batch row stays locked until that commit, so another worker waits and
    then finds the batch announced. A crash before the commit repeats the messages (with the
    same seq): consumers key on task id and batch no."""
    errors = kind.failed_rows(session, batch.id)
    store.next_seq(session, batch)
    reporter.publish(task_of(kind, batch, errors))
    if kind.announced and batch.done:
        kind.announced(session, batch, dispatch)
    batch.announced = True
    session.commit()
