"""Accounts service: member accounts, the pending roster, opening batches, info changes."""
import base64
import binascii
import logging
from contextlib import contextmanager
from datetime import timedelta

import eventlet
from eventlet import tpool
from nameko.dependency_providers import Config
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.accounts import opening, posting, rules, store
from services.accounts.schemas import (
    BatchOutSchema, DraftInSchema, DraftOutSchema, DraftPageSchema,
    ImportResultSchema, LedgerRowSchema, MemberChangeInSchema, MemberChangeOutSchema, MemberCountsSchema,
    MemberOutSchema, MemberQuerySchema, PageSchema, VerificationPostingSchema)
from services.accounts.templates import HEADERS, OPENING, opening_template
from services.accounts.vouchers import change_voucher, opening_voucher
from shared.clock import centre_today, centre_zone, day_range
from shared.downloads import PDF, XLSX, file_payload
from shared.db import Database, atomic
from shared.errors import BusinessError, conflict, forbidden, not_found, record_id, validation_error
from shared.schemas import DateRangeSchema, load
from shared.tasks import TaskReporter, new_task_id
from shared.timers import timer
from shared.xlsx import file_error, read_rows, write_template

IMPORT_CHUNK = 1000
SWEEP_SECONDS = 30
log = logging.getLogger(__name__)


class AccountsService:
    name = "accounts"

    db = Database()
    config = Config()
    tasks = TaskReporter()
    dispatch = EventDispatcher()
    contributions = RpcProxy("contributions")
    employer = RpcProxy("employer")

    @rpc
    def ping(self):
        return "ok"

    # ---------- helpers ----------

    def _limits(self):
        """The year's base bounds (one policy call) and the centre's age limits, as of today."""
        return rules.OpeningLimits.of(self.contributions.get_policy(), self.config["ACCOUNTS"],
                                      centre_today(self.config))

    def _names(self, unit_account, clerk_id=None):
        """The employer's name and, when `clerk_id` is given, that clerk's (still one of its clerks)."""
        employer = self.employer.get_employer(unit_account)
        if clerk_id is None:
            return employer["name"], None
        clerk = next((c["name"] for c in employer["clerks"] if str(c["id"]) == str(clerk_id)), None)
        if clerk is None:  # removed at the counter while still holding a token
            raise forbidden("经办人信息已变更，请重新登录")
        return employer["name"], clerk

    def _checked_draft(self, unit_account, values, limits, exclude=None):
        clean = rules.check_draft(values, limits)
        number = clean["id_number"]
        roster = store.roster_ids(self.db, unit_account, [number]) - {exclude}
        duplicate = rules.check_unique(number, roster, store.normal_member_ids(self.db, unit_account, [number]))
        if duplicate:
            raise rules.draft_error([duplicate])
        return clean

    # ---------- pending roster (F3.1, F3.2) ----------

    @rpc
    def opening_template(self):
        template = opening_template(self.config["ACCOUNTS"], self.config["GATEWAY"]["max_upload_bytes"])
        return file_payload("批量开户模板.xlsx", XLSX, tpool.execute(write_template, template))

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def add_opening_draft(self, unit_account, data):
        values = load(DraftInSchema(), data)
        clean = self._checked_draft(unit_account, values, self._limits())
        with roster_write(self.db):
            draft = store.add_draft(self.db, unit_account, clean)
        return DraftOutSchema().dump(draft)

    @rpc(expected_exceptions=BusinessError)
    def list_opening_drafts(self, unit_account, query=None):
        query = load(PageSchema(), query or {})
        return DraftPageSchema().dump(store.draft_page(self.db, unit_account, **query))

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def update_opening_draft(self, unit_account, draft_id, data):
        draft = store.draft(self.db, unit_account, record_id(draft_id, "待开户记录"))
        if draft is None:
            raise not_found("待开户记录")
        changes = load(DraftInSchema(partial=True), data)
        values = {key: str(getattr(draft, key)) for key in HEADERS} | changes
        clean = self._checked_draft(unit_account, values, self._limits(), exclude=draft.id_number)
        with roster_write(self.db):
            for key, value in clean.items():
                setattr(draft, key, value)
        return DraftOutSchema().dump(draft)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def delete_opening_draft(self, unit_account, draft_id):
        draft = store.draft(self.db, unit_account, record_id(draft_id, "待开户记录"))
        if draft is None:
            raise not_found("待开户记录")
        self.db.delete(draft)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def clear_opening_drafts(self, unit_account):
        return {"deleted": store.clear_drafts(self.db, unit_account)}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def import_opening_file(self, unit_account, content):
        """Rows that pass go into the roster; the others come back as {row, column, message}."""
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise file_error("上传的文件内容无法识别") from None
        settings = self.config["ACCOUNTS"]
        limits = self._limits()
        roster = store.roster_ids(self.db, unit_account)
        taken = store.normal_member_ids(self.db, unit_account)
        rows = read_rows(data, OPENING, max_rows=int(settings["max_import_rows"]),
                         max_bytes=int(self.config["GATEWAY"]["max_upload_bytes"]))
        def next_chunk():  # parsed and checked in a thread, while the chunk before is inserted
            return eventlet.spawn(tpool.execute, rules.check_rows, rows, limits, roster, taken, IMPORT_CHUNK)
        imported, errors, chunk = 0, [], next_chunk()
        try:
            while chunk is not None:
                good, bad, more = chunk.wait()
                chunk = next_chunk() if more else None
                with roster_write(self.db):
                    store.add_drafts(self.db, unit_account, good)
                imported += len(good)
                errors.extend(bad)
        finally:  # an insert that failed leaves no parse running after the answer
            if chunk is not None:
                _failure(chunk)
        return ImportResultSchema().dump({"imported": imported, "errors": errors})

    # ---------- submission ----------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def submit_openings(self, unit_account, clerk_id):
        """Commit the batch and its rows, start the work, answer with the task id at once."""
        employer_name, clerk_name = self._names(unit_account, clerk_id)
        batch = store.create_batch(self.db, unit_account, employer_name, clerk_name, new_task_id(),
                                   centre_today(self.config))
        if batch is None:
            raise BusinessError("ROSTER_EMPTY", "待开户清册为空，请先添加职工")
        opening.commit_and_report(self.db, batch, self.tasks)
        self.dispatch("openings_submitted", {"batch_id": batch.id})
        return {"task_id": batch.task_id, "batch_id": batch.batch_no}

    @event_handler("accounts", "openings_submitted")
    def on_openings_submitted(self, payload):
        """The batch is opened in several sessions side by side: while one waits on the database,
        another checks its rows. No more sessions than the connection pool holds (SQLite: one)."""
        batch_id, limits = int(payload["batch_id"]), self._limits()
        prefix = self.config["CENTRE"]["unit_account_prefix"]
        engine = self.db.get_bind()

        def run(session):
            opening.run_batch(session, batch_id, limits, self.tasks, self.dispatch, prefix)

        def run_in_own_session():
            with Session(engine, expire_on_commit=False) as session:
                run(session)
        sessions = min(int(self.config["ACCOUNTS"]["opening_sessions"]), engine.pool.size())
        helpers = [eventlet.spawn(run_in_own_session) for _ in range(sessions - 1)]
        try:
            run(self.db)
        finally:  # the helpers use this worker's reporter and dispatcher: all end before it does
            failures = [_failure(helper) for helper in helpers]
        for failure in filter(None, failures):
            raise failure

    @timer(interval=SWEEP_SECONDS, eager=True)
    def resume_stale_batches(self):
        """Batches whose start event was lost, or whose worker died, are started again."""
        stale = int(self.config["ACCOUNTS"]["stale_batch_seconds"])
        batch_ids = store.claim_stale_batches(self.db, store.now() - timedelta(seconds=stale))
        self.db.commit()
        for batch_id in batch_ids:  # here, not by event: at start-up the event queue may not be bound yet
            self.on_openings_submitted({"batch_id": batch_id})

    # ---------- opening query (F3.3) ----------

    @rpc(expected_exceptions=BusinessError)
    def list_openings(self, unit_account, query=None):
        query = load(DateRangeSchema(), query or {})
        return BatchOutSchema(many=True).dump(store.batches(self.db, unit_account, **query))

    @rpc(expected_exceptions=BusinessError)
    def opening_voucher(self, unit_account, batch_no):
        batch = store.batch_by_no(self.db, unit_account, str(batch_no))
        if batch is None:
            raise not_found("开户批次")
        if not batch.announced:
            raise BusinessError("BATCH_RUNNING", "该批次尚在处理中，完成后方可下载凭证", status=409)
        members = store.batch_members(self.db, batch.id)
        pdf = tpool.execute(opening_voucher, self.config, batch, members)
        return file_payload(f"开户清册凭证_{batch.batch_no}.pdf", PDF, pdf)

    # ---------- members (F4.2, F5.1, F5.2) ----------

    @rpc(expected_exceptions=BusinessError)
    def find_members(self, unit_account, query):
        query = {key: str(value).strip() for key, value in load(MemberQuerySchema(), query or {}).items()
                 if str(value).strip()}
        if len(query) != 1:
            raise validation_error([{"field": "", "message": "请按姓名、证件号码、个人账号中的一项查询"}])
        if "id_number" in query:
            query["id_number"] = query["id_number"].upper()
        return self._members_out(store.find_members(self.db, unit_account, **query))

    @rpc(expected_exceptions=BusinessError)
    def get_member(self, unit_account, account_no):
        member = store.member(self.db, unit_account, str(account_no))
        if member is None:
            raise not_found("个人账户")
        return self._members_out([member])[0]

    def _members_out(self, members):
        """Members with their balance and paid-up-to month (latest 汇缴 row), one query for all."""
        paid = store.paid_up_to(self.db, [member.account_no for member in members])
        return [{**MemberOutSchema().dump(member), "paid_up_to": paid.get(member.account_no)}
                for member in members]

    @rpc(expected_exceptions=BusinessError)
    def member_ledger(self, unit_account, account_no, start=None, end=None):
        """个人明细账 (F4.1): the member's rows with value dates in [start, end] (the centre's
        calendar days, either open), oldest first, each with the balance after it."""
        query = load(DateRangeSchema(), {"start": start, "end": end})
        member = store.member(self.db, unit_account, str(account_no))
        if member is None:
            raise not_found("个人账户")
        return LedgerRowSchema(many=True).dump(store.ledger_rows(self.db, member.account_no, **query))

    # ---------- money: the roster and posting (MONEY.md, contract with contributions) ----------

    @rpc
    def remittance_roster(self, unit_account):
        """Every normal account at the employer now, by account no.: one query, plain rows."""
        rows = store.remittance_roster(self.db, str(unit_account))
        # NUMERIC(12, 2) reads back with its two places: str() is the "5000.00" the contract asks for
        return {"members": [[account_no, name, id_number, str(base)] for account_no, name, id_number, base in rows]}

    @event_handler("contributions", "verification_posting", requeue_on_error=False)
    def on_verification_posting(self, payload):
        """Write the verification's member rows, then tell contributions. A failure is logged and
        the message acknowledged, not requeued: contributions sends the event again for a
        verification still 入账中, so a fault that stays does not spin (a crash is redelivered)."""
        data = load(VerificationPostingSchema(), payload)
        settings, engine = self.config["ACCOUNTS"], self.db.get_bind()

        def fetch(verification_no, after, limit):
            return self.contributions.verification_rows(verification_no, after=after, limit=limit)["rows"]
        # pages are written by several sessions side by side, as far as the pool has connections to
        # spare (many postings at once each write with one; SQLite's pool holds one)
        spare = engine.pool.size() - engine.pool.checkedout()
        more = [Session(engine, expire_on_commit=False)
                for _ in range(min(int(settings["posting_sessions"]), spare) - 1)]
        try:
            posting.post_verification([self.db, *more], data, fetch, self.dispatch,
                                      int(settings["posting_page_rows"]))
        except BusinessError as exc:
            log.error("verification %s not posted: %s %s", data["verification_no"], exc, exc.details)
            raise
        finally:
            for session in more:
                session.close()

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def change_member(self, unit_account, account_no, clerk_id, data):
        member = store.member(self.db, unit_account, str(account_no))
        if member is None:
            raise not_found("个人账户")
        rules.refuse_counter_only(data)
        items = rules.check_change(load(MemberChangeInSchema(), data), member)
        if not items:
            raise BusinessError("NOTHING_CHANGED", "没有需要修改的内容")
        _, clerk_name = self._names(unit_account, clerk_id)
        for item in items:
            setattr(member, item["field"], item["new"])
        change = store.add_change(self.db, member, items, clerk_name, centre_today(self.config))
        return MemberChangeOutSchema().dump(change)

    @rpc(expected_exceptions=BusinessError)
    def list_member_changes(self, unit_account, query=None):
        query = load(DateRangeSchema(), query or {})
        since, before = day_range(query["start"], query["end"], centre_zone(self.config))
        return MemberChangeOutSchema(many=True).dump(store.changes(self.db, unit_account, since, before))

    @rpc(expected_exceptions=BusinessError)
    def member_change_voucher(self, unit_account, change_no):
        change = store.change_by_no(self.db, unit_account, str(change_no))
        if change is None:
            raise not_found("修改记录")
        employer_name, _ = self._names(unit_account)
        pdf = tpool.execute(change_voucher, self.config, change, employer_name)
        return file_payload(f"个人信息修改凭证_{change.change_no}.pdf", PDF, pdf)

    @rpc(expected_exceptions=BusinessError)
    def member_counts(self, unit_account):
        """Headcount by status for the employer's home page; all four statuses always listed."""
        return MemberCountsSchema().dump(rules.status_counts(store.status_counts(self.db, unit_account)))


@contextmanager
def roster_write(session):
    """The roster's unique ID per employer also holds against a concurrent add of the same person."""
    try:
        yield
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict("ROSTER_CHANGED", "该证件号码已被同时加入待开户清册，请刷新后重试") from None


def _failure(thread):
    """Wait for a green thread; its exception, if it raised one."""
    try:
        thread.wait()
    except Exception as exc:  # handed back to the caller
        return exc
    return None
