"""Posting a verification's member rows into the member ledger (入账分摊), page by page.

Contributions hands the rows over in pages (`verification_rows`); each page is written in one
transaction: its members locked FOR UPDATE in account order, rows already in the ledger under the
verification skipped, balances computed from the locked balances, one insert of ledger rows, one
update of balances, commit. No transaction ever waits for the bus. A redelivered
event, a second handler at the same time or a restart after a crash therefore write each
(verification, member, month) once; when the ledger holds every row, `verification_rows_posted`
is sent (again on every delivery that finds it complete).
"""
import logging

import eventlet
from eventlet.queue import LightQueue
from sqlalchemy.exc import IntegrityError

from services.accounts import rules, store
from services.accounts.schemas import VerificationRowsPostedSchema
from shared.errors import BusinessError

log = logging.getLogger(__name__)
PAGE_ATTEMPTS = 3  # a page whose rows another handler wrote in between is simply done again


def post_verification(sessions, posting, fetch_page, dispatch, page_rows):
    """Write every member row of `posting` (verification_no, kind, unit_account, value_date,
    total_rows) not yet written; `fetch_page(verification_no, after, limit)` → raw rows. Pages are
    written by `sessions` (a list: one, or several side by side). Returns how many rows this call
    wrote."""
    session = sessions[0]
    reference, kind, total = posting["verification_no"], posting["kind"], posting["total_rows"]
    written, count = 0, _count(session, posting)
    if not rules.posting_complete(count, total):
        written = _post_pages(sessions, posting, fetch_page, page_rows, first=count == 0)
        if not rules.posting_complete(_count(session, posting), total):
            raise BusinessError("POSTING_INCOMPLETE",
                                f"核定{reference}的明细未全部入账（应有{total}条）")
    dispatch("verification_rows_posted", VerificationRowsPostedSchema().dump(
        {"verification_no": reference, "unit_account": posting["unit_account"], "rows": total}))
    log.info("verification %s: %d member rows written now, %d in all (%s)", reference, written, total, kind)
    return written


def _post_pages(sessions, posting, fetch_page, page_rows, first):
    """The next page is asked for as soon as one arrives, and each page is written by the first
    free session: the bus and the database work side by side. No transaction ever waits for the
    bus: a page is taken up only once it has arrived, and its transaction commits in one go."""
    reference, free, writers = posting["verification_no"], LightQueue(), []
    for session in sessions:
        free.put(session)

    def write(session, rows):
        try:
            return _post_page(session, posting, rows, first)
        finally:
            free.put(session)
    coming = eventlet.spawn(fetch_page, reference, 0, page_rows)
    try:
        while raw := coming.wait():
            rows = rules.posting_rows(raw)
            coming = eventlet.spawn(fetch_page, reference, rows[-1].row_id, page_rows)
            session = free.get()
            for writer in writers:  # stop at the first page that failed
                if writer.dead:
                    writer.wait()
            writers.append(eventlet.spawn(write, session, rows))
    finally:  # nothing keeps running after the handler, whatever failed
        problems = [_failure(thread) for thread in [coming, *writers]]
    for problem in problems:
        if problem is not None:
            raise problem
    return sum(writer.wait() for writer in writers)


def _failure(thread):
    try:
        thread.wait()
    except Exception as exc:  # noqa: BLE001 - handed back to the caller
        return exc
    return None


def _count(session, posting):
    """How many of the verification's member rows the ledger holds."""
    try:
        return store.ledger_count(session, posting["verification_no"], posting["kind"])
    finally:
        session.rollback()  # the read ends here: nothing stays open while waiting on the bus


def _post_page(session, posting, rows, first):
    """On a first delivery (no row of the verification written when it began) a page is written
    without looking for its rows first: should another handler have written some meanwhile, the
    ledger's unique key refuses the page, which is then redone looking."""
    reference = posting["verification_no"]
    for attempt in range(1, PAGE_ATTEMPTS + 1):
        try:
            accounts = {row.account_no for row in rows}
            members = store.lock_members(session, accounts)
            posted = set() if first and attempt == 1 else store.posted_keys(session, reference, accounts)
            entries, balances = rules.post_page(rows, members, posted, posting["unit_account"],
                                                posting["kind"])
            fixed = {"unit_account": posting["unit_account"], "value_date": posting["value_date"],
                     "type": posting["kind"], "reference": reference, "created_at": store.now()}
            store.add_ledger_rows(session, fixed, entries)
            store.set_balances(session, balances)
            session.commit()
            return len(entries)
        except IntegrityError:
            session.rollback()
            if attempt == PAGE_ATTEMPTS:
                raise
            log.warning("verification %s: a page was written meanwhile, redone", reference)
        except BaseException:
            session.rollback()
            raise
    return 0
