"""Opening a submitted batch, chunk by chunk, resumable after a crash.

Each chunk opens its rows and records their state in one transaction, so a redelivered
start event (or the start-up sweep) carries on with the rows still pending and never
opens a row twice: a member's account number is derived from its row's id.
"""
import eventlet
from sqlalchemy.exc import IntegrityError

from services.accounts import rules, store
from services.accounts.models import OpeningBatch
from services.accounts.schemas import MembersOpenedSchema
from services.accounts.templates import HEADERS
from shared.tasks import FINAL_STATUSES, QUEUED, RUNNING, Task, final_status, report_step

KIND, TITLE = "open_accounts", "个人开户"


def task_of(batch, errors=()):
    """The batch as a task, with the seq committed with the batch."""
    return Task(batch.task_id, batch.unit_account, "accounts", KIND, title=TITLE, total=batch.total,
                submitted_by=batch.submitted_by, status=batch.status, done=batch.done,
                failed=batch.failed, seq=batch.seq, submitted_at=_iso(batch.submitted_at),
                started_at=_iso(batch.started_at), finished_at=_iso(batch.finished_at),
                message=_message(batch), errors=list(errors))


def _iso(moment):
    return moment.isoformat(timespec="seconds") if moment else None


def _message(batch):
    if batch.status in FINAL_STATUSES:
        return f"开户成功{batch.done}人，失败{batch.failed}人"
    return None


def commit_and_report(session, batch, reporter, errors=()):
    """Persist the next seq with the batch, then publish that snapshot."""
    store.next_seq(session, batch)
    session.commit()
    reporter.publish(task_of(batch, errors))


def run_batch(session, batch_id, limits, reporter, dispatch, prefix):
    batch = session.get(OpeningBatch, batch_id, with_for_update=True)  # one worker starts it
    if batch is None or batch.announced:
        session.rollback()
        return
    if batch.status == QUEUED:
        batch.status, batch.started_at = RUNNING, store.now()
        commit_and_report(session, batch, reporter)
    else:
        session.commit()  # no lock on the batch row while opening rows
    step = report_step(batch.total)
    while True:
        rows = store.pending_rows(session, batch.id, step)
        if not rows:
            break
        opened, failed = _open_chunk(session, batch, rows, limits, prefix)
        store.add_counts(session, batch, opened, failed)
        commit_and_report(session, batch, reporter)
        eventlet.sleep(0)  # let heartbeats and other workers run between chunks
    session.refresh(batch, with_for_update=True)  # one worker finishes the batch
    if batch.announced:
        session.commit()
        return  # another worker finished it
    if batch.done + batch.failed < batch.total:  # the counts each chunk committed with its rows
        session.commit()
        return  # another worker still holds rows of this batch; it will finish
    batch.status, batch.finished_at = final_status(batch.total, batch.failed), store.now()
    announce(session, batch, reporter, dispatch)


def announce(session, batch, reporter, dispatch):
    """Send the final snapshot (with the error rows) and `members_opened`, then commit the final
    state as announced. The batch row stays locked until that commit, so another worker waits and
    then finds the batch announced. A crash before the commit repeats both messages (with the
    same seq): consumers key on task id and batch no."""
    errors = [{"row": row.row_no, "column": row.column, "message": row.error,
               "original": {HEADERS[key]: _text(getattr(row, key)) for key in HEADERS}}
              for row in store.failed_rows(session, batch.id)]
    store.next_seq(session, batch)
    reporter.publish(task_of(batch, errors))
    if batch.done:
        members = store.batch_members(session, batch.id)
        dispatch("members_opened", MembersOpenedSchema().dump(
            {"unit_account": batch.unit_account, "batch_no": batch.batch_no,
             "opened_on": batch.opened_on, "members": members}))
    batch.announced = True
    session.commit()


def _text(value):
    return "" if value is None else str(value)


def _open_chunk(session, batch, rows, limits, prefix):
    taken = store.normal_member_ids(session, batch.unit_account, [row.id_number for row in rows])
    members, failures, now = [], [], store.now()
    for row in rows:
        clean, problems, person = rules.check_member({key: getattr(row, key) for key in HEADERS}, limits)
        duplicate = not problems and rules.check_unique(clean["id_number"], (), taken)
        if problems or duplicate:
            column, message = duplicate or problems[0]
            failures.append({"id": row.id, "column": column, "error": message})
            continue
        members.append({**clean, "account_no": rules.account_no_for(prefix, row.id),
                        "unit_account": batch.unit_account, "opening_row_id": row.id,
                        "batch_id": batch.id, "id_type": "01", "sex": person.sex,
                        "birth_date": person.birth_date, "status": rules.NORMAL,
                        "opened_on": batch.opened_on, "created_at": now})
    try:
        with session.begin_nested():
            store.add_members(session, members)
    except IntegrityError:
        # a concurrent opening of the same person: find the rows concerned one by one
        failed = _open_one_by_one(session, members)
        failures += [{"id": row_id, "column": HEADERS["id_number"], "error": rules.DUPLICATE_ACCOUNT}
                     for row_id in failed]
        members = [m for m in members if m["opening_row_id"] not in failed]
    store.mark_opened(session, [m["opening_row_id"] for m in members])
    store.mark_failed(session, failures)
    return len(members), len(failures)


def _open_one_by_one(session, members):
    failed = set()
    for member in members:
        try:
            with session.begin_nested():
                store.add_members(session, [member])
        except IntegrityError:
            failed.add(member["opening_row_id"])
    return failed
