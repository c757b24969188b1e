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
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.accounts import (
    batches, interest, opening, posting, rules, statements, status, status_rules, store)
from services.accounts.models import InterestRun
from services.accounts.schemas import (
    BatchOutSchema, DraftInSchema, DraftOutSchema, DraftPageSchema,
    ImportResultSchema, LedgerRowSchema, MemberChangeInSchema, MemberChangeOutSchema, MemberCountsSchema,
    MemberOutSchema, MemberQuerySchema, PageSchema, VerificationPostingSchema,
    AccountQuerySchema, AnnualBasesSchema, InterestRunSchema, StatementLineSchema, StatementQuerySchema, ChangeDraftOutSchema, ChangeDraftPageSchema, ChangeQuerySchema, ChangeSubmitSchema, MergeInSchema,
    MergeOutSchema, MergeQuerySchema, SealDraftInSchema, SealedAccountSchema, StatusChangeOutSchema,
    TransferDraftInSchema, UnsealDraftInSchema)
from services.accounts.status_flow import StatusChanges, change_errors, kind_of
from services.accounts.templates import (
    CHANGE_FILENAMES, CHANGE_TEMPLATES, HEADERS, OPENING, change_template, opening_template)
from services.accounts.vouchers import certificate, change_voucher, merge_voucher, opening_voucher, status_voucher
from shared.clock import centre_today, centre_zone, day_range
from shared.downloads import PDF, XLSX, file_payload
from shared.db import Database, atomic
from shared.errors import BusinessError, conflict, forbidden, not_found, record_id, validation_error
from shared.months import add_months, checked_year, hpf_year_of, month_of
from shared.schemas import DateRangeSchema, load
from shared.tasks import SUCCEEDED, TaskReporter, new_task_id
from shared.timers import timer
from shared.xlsx import error_file as xlsx_error_file
from shared.xlsx import file_error, read_rows, write_rows, write_template

SWEEP_SECONDS = 30
INTEREST_CHECK_SECONDS = 3600
log = logging.getLogger(__name__)


class AccountsService(StatusChanges):
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

    def _limits(self, on=None):
        """The base bounds of the HPF year of `on` (one policy call) and the centre's age limits,
        as of that day (today by default)."""
        on = on or centre_today(self.config)
        return rules.OpeningLimits.of(self.contributions.get_policy(year=hpf_year_of(on)),
                                      self.config["ACCOUNTS"], on)

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
        duplicate = rules.check_unique(number, roster, store.normal_accounts(self.db, [number]), unit_account)
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
        """Rows that pass go into the roster; the others come back as {row, column, message}.

        The file is parsed with no database connection held, so a large upload never starves
        another employer's requests of connections; its good rows are then stored in one
        transaction, so a file-level fault (found anywhere in the file) stores nothing."""
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise file_error("上传的文件内容无法识别") from None
        settings = self.config["ACCOUNTS"]
        limits = self._limits()
        roster = store.roster_ids(self.db, unit_account)
        self.db.rollback()  # nothing written yet: the connection goes back to the pool while parsing
        rows = read_rows(data, OPENING, max_rows=int(settings["max_import_rows"]),
                         max_bytes=int(self.config["GATEWAY"]["max_upload_bytes"]))
        good, errors, _ = tpool.execute(rules.check_rows, rows, limits, roster, {})
        # one normal account per person in the centre: the file's people only, once it is read
        good, errors = rules.refuse_taken(good, errors, store.normal_accounts(self.db, [row["id_number"] for row in good]),
                                          unit_account)
        with roster_write(self.db):
            store.add_drafts(self.db, unit_account, good)
        error_file = (file_payload("批量开户报错文件.xlsx", XLSX, tpool.execute(xlsx_error_file, errors))
                      if errors else None)
        return ImportResultSchema().dump({"imported": len(good), "errors": errors, "error_file": error_file})

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
        batch_id = int(payload["batch_id"])
        opened_on = store.batch_opened_on(self.db, batch_id, opening.OPENING.kind)
        if opened_on is None:
            return
        limits = self._limits(opened_on)  # a batch resumed days later is judged as of its own date
        self.db.rollback()
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
        for batch_id, kind in batch_ids:  # here, not by event: at start-up the event queue may not be bound yet
            if kind == opening.OPENING.kind:
                self.on_openings_submitted({"batch_id": batch_id})
            else:
                self._run_change_batch(batch_id)

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

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def apply_annual_bases(self, unit_account, data):
        """For contributions (F11.1): the new bases of an annual verification, in one transaction."""
        data = load(AnnualBasesSchema(), data)
        updated = status.apply_annual_bases(self.db, str(unit_account), data["reference"], data["clerk_name"],
                                            centre_today(self.config), data["rows"])
        return {"updated": updated}

    @rpc
    def members_of(self, unit_account, account_nos):
        """For contributions (a supplementary roster): {account_no: [name, id_number, status]} of those
        of `account_nos` that are the employer's members, in one query."""
        numbers = [str(number) for number in (account_nos or ())][:50_000]
        return {row.account_no: [row.name, row.id_number, row.status]
                for row in status.members_by_account(self.db, numbers).values()
                if row.unit_account == str(unit_account)}

    @event_handler("contributions", "verification_posting", requeue_on_error=False)
    def on_verification_posting(self, payload):
        """Write the verification's member rows, then tell contributions. A failure is logged and
        the message acknowledged, not requeued: contributions sends the event again for a
        verification still 入账中, so a fault that stays does not spin (a crash is redelivered)."""
        data = load(VerificationPostingSchema(), payload)
        data["value_date"] = interest.posting_value_date(data["value_date"], interest.settled_years(self.db))
        self.db.rollback()
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

    # ---------- seal, unseal, transfer in (F9, F10): one roster flow for the three ----------

    @rpc(expected_exceptions=BusinessError)
    def change_reasons(self, kind):
        return list(self._reasons(kind_of(kind)))

    @rpc(expected_exceptions=BusinessError)
    def change_template(self, kind):
        template = change_template(kind_of(kind), self._reasons(kind), self.config["ACCOUNTS"]["max_import_rows"])
        return file_payload(CHANGE_FILENAMES[kind], XLSX, tpool.execute(write_template, template))

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def add_change_draft(self, kind, unit_account, data):
        schema = {status_rules.SEAL: SealDraftInSchema, status_rules.UNSEAL: UnsealDraftInSchema,
                  status_rules.TRANSFER: TransferDraftInSchema}[kind_of(kind)]
        draft = self.add_checked_change_draft(kind, unit_account, load(schema(), data))
        return ChangeDraftOutSchema().dump(draft)

    @rpc(expected_exceptions=BusinessError)
    def list_change_drafts(self, kind, unit_account, query=None):
        query = load(PageSchema(), query or {})
        return ChangeDraftPageSchema().dump(status.draft_page(self.db, kind_of(kind), unit_account, **query))

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def delete_change_draft(self, kind, unit_account, draft_id):
        draft = status.draft(self.db, kind_of(kind), unit_account, record_id(draft_id, "清册记录"))
        if draft is None:
            raise not_found("清册记录")
        self.db.delete(draft)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def clear_change_drafts(self, kind, unit_account):
        return {"deleted": status.clear_drafts(self.db, kind_of(kind), unit_account)}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def import_change_file(self, kind, unit_account, content):
        """As openings: good rows into the roster, the others back with their reasons and an error
        file; a file-level fault stores nothing. Parsed with no database connection held."""
        template = CHANGE_TEMPLATES[kind_of(kind)]
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise file_error("上传的文件内容无法识别") from None
        context = self._change_context(kind, unit_account)
        self.db.rollback()
        rows = tpool.execute(lambda: list(read_rows(
            data, template, max_rows=int(self.config["ACCOUNTS"]["max_import_rows"]),
            max_bytes=int(self.config["GATEWAY"]["max_upload_bytes"]))))
        good, failures = self.check_change_rows(kind, unit_account, rows, context)
        self.add_change_rows(kind, unit_account, good)
        errors = change_errors(failures, template)
        error_file = (file_payload(f"批量{status_rules.KIND_NAMES[kind]}报错文件.xlsx", XLSX,
                                   tpool.execute(xlsx_error_file, errors)) if errors else None)
        return ImportResultSchema().dump({"imported": len(good), "errors": errors, "error_file": error_file})

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def submit_changes(self, kind, unit_account, clerk_id, data=None):
        """Commit the chosen roster rows (all by default) as a batch, start it, answer with the task id."""
        draft_ids = load(ChangeSubmitSchema(), data or {})["draft_ids"]
        employer_name, clerk_name = self._names(unit_account, clerk_id)
        batch = status.create_batch(self.db, kind_of(kind), unit_account, employer_name, clerk_name,
                                    new_task_id(), centre_today(self.config), draft_ids)
        if batch is False:
            raise not_found("所选清册记录")
        if batch is None:
            raise BusinessError("ROSTER_EMPTY", f"{status_rules.KIND_NAMES[kind]}清册为空，请先添加职工")
        batches.commit_and_report(self.db, status.KINDS[kind], batch, self.tasks)
        self.dispatch("changes_submitted", {"batch_id": batch.id})
        return {"task_id": batch.task_id, "batch_id": batch.batch_no}

    @event_handler("accounts", "changes_submitted")
    def on_changes_submitted(self, payload):
        self._run_change_batch(int(payload["batch_id"]))

    def _run_change_batch(self, batch_id):
        kind, opened_on, unit_account = status.batch_of(self.db, batch_id)
        if kind is None:
            return
        context = self._change_context(kind, unit_account, opened_on)  # as of its own business date
        self.db.rollback()

        def context_of(rows):
            if kind == status_rules.TRANSFER:
                context.on_open_verification = self.on_open_verifications(
                    [(row.from_unit, row.account_no) for row in rows])
            return context
        batches.run_batch(self.db, status.KINDS[kind], batch_id, context_of, self.tasks, self.dispatch)

    @rpc(expected_exceptions=BusinessError)
    def list_status_changes(self, unit_account, kinds, query=None):
        kinds = [kind_of(kind) for kind in kinds]
        query = load(ChangeQuerySchema(), query or {})
        if query.get("id_number"):
            query["id_number"] = query["id_number"].strip().upper()
        rows = status.changes(self.db, unit_account, kinds, **query)
        return [{**StatusChangeOutSchema().dump(change), "batch_id": batch_no} for change, batch_no in rows]

    @rpc(expected_exceptions=BusinessError)
    def status_change_voucher(self, unit_account, kinds, batch_no):
        batch = status.batch_by_no(self.db, unit_account, [kind_of(kind) for kind in kinds], str(batch_no))
        if batch is None:
            raise not_found("业务批次")
        if not batch.announced:
            raise BusinessError("BATCH_RUNNING", "该批次尚在处理中，完成后方可下载凭证", status=409)
        pdf = tpool.execute(status_voucher, self.config, batch, status.batch_changes(self.db, batch.id))
        return file_payload(f"{status_rules.KIND_NAMES[batch.kind]}凭证_{batch.batch_no}.pdf", PDF, pdf)

    # ---------- contribution certificate (缴存证明) ----------

    @rpc(expected_exceptions=BusinessError)
    def member_certificate(self, unit_account, account_no):
        member = store.member(self.db, unit_account, str(account_no))
        if member is None:
            raise not_found("个人账户")
        today = centre_today(self.config)
        current = month_of(today)
        paid = store.paid_months(self.db, member.account_no, add_months(current, -23), current)
        facts = {"number": f"ZM{today:%Y%m%d}{member.account_no}", "issued_on": today.isoformat(),
                 "paid_up_to": store.paid_up_to(self.db, [member.account_no]).get(member.account_no),
                 "months_12": len([m for m in paid if m > add_months(current, -12)]), "months_24": len(paid),
                 "monthly_amount": "0.00（账户非正常状态）"}
        self.db.rollback()
        if member.status == rules.NORMAL:
            facts["monthly_amount"] = self.contributions.monthly_amount(unit_account, str(member.base))["amount"]
        employer_name, _ = self._names(unit_account)
        code, pdf = tpool.execute(certificate, self.config, member, employer_name, facts)
        return file_payload(f"缴存证明_{member.account_no}.pdf", PDF, pdf, verification_code=code)

    # ---------- annual statement (F4.3) ----------

    def _statement(self, unit_account, query):
        query = load(StatementQuerySchema(), query or {})
        year = query.pop("year")
        _, end = interest.year_bounds(year)
        if centre_today(self.config) <= end:
            raise BusinessError("YEAR_NOT_ENDED", f"{year}年度（至{end.year}年6月30日）尚未结束，暂无年度对账", status=409)
        if query.get("id_number"):
            query["id_number"] = query["id_number"].strip().upper()
        return year, statements.statement(self.db, unit_account, year, **query)

    @rpc(expected_exceptions=BusinessError)
    def member_statement(self, unit_account, query):
        _, lines = self._statement(unit_account, query)
        return StatementLineSchema(many=True).dump(lines)

    @rpc(expected_exceptions=BusinessError)
    def member_statement_file(self, unit_account, query):
        year, lines = self._statement(unit_account, query)
        data = tpool.execute(write_rows, f"{year}年度个人对账", list(statements.HEADERS.values()),
                             statements.export_rows(lines))
        return file_payload(f"{year}年度个人对账.xlsx", XLSX, data)

    # ---------- interest settlement (B2) ----------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def settle_interest(self, year, submitted_by="中心"):
        """Start settling HPF year `year` (once; a second call answers the run as it stands)."""
        year = checked_year(year)
        _, end = interest.year_bounds(year)
        if centre_today(self.config) <= end:
            raise BusinessError("YEAR_NOT_ENDED", f"{year}年度（至{end.year}年6月30日）尚未结束，不能结息", status=409)
        policy = self.contributions.get_policy(year=year)
        run = interest.start_run(self.db, year, policy, new_task_id(), str(submitted_by)[:50])
        started = run.seq == 0
        if started:
            run.seq = 1
        summary = InterestRunSchema().dump(run)
        self.db.commit()
        if started:
            self.tasks.publish(interest.task_of(run))
            self.dispatch("interest_settlement", {"year": year})
        return summary

    @rpc(expected_exceptions=BusinessError)
    def interest_run(self, year):
        run = self.db.get(InterestRun, checked_year(year))
        if run is None:
            raise not_found("该年度结息")
        return InterestRunSchema().dump(run)

    @event_handler("accounts", "interest_settlement")
    def on_interest_settlement(self, payload):
        self._settle(int(payload["year"]))

    def _settle(self, year):
        chunk = int(self.config["ACCOUNTS"]["interest_chunk"])
        while True:
            run = interest.settle_chunk(self.db, year, chunk)
            if run is None:  # none, or finished by another runner
                self.db.rollback()
                return
            run.seq += 1
            snapshot = interest.task_of(run)
            self.db.commit()
            self.tasks.publish(snapshot)
            if run.status == SUCCEEDED:
                log.info("interest of %s settled: %d rows, %s", year, run.credited, run.amount)
                return
            eventlet.sleep(0)

    @timer(interval=INTEREST_CHECK_SECONDS, eager=True)
    def settle_ended_year(self):
        """After 30 June (the centre's calendar) the year just ended is settled without being asked;
        a run a crash left unfinished is carried on."""
        unfinished = self.db.scalars(select(InterestRun.year).where(InterestRun.status != SUCCEEDED)).all()
        self.db.rollback()
        for year in unfinished:
            self._settle(year)
        if not self.config["ACCOUNTS"]["settle_interest_automatically"]:
            return
        ended = hpf_year_of(centre_today(self.config)) - 1
        if self.db.get(InterestRun, ended) is None:
            self.db.rollback()
            try:
                self.settle_interest(ended, "中心（自动结息）")
            except BusinessError as exc:  # e.g. no policy for that year: the centre settles by hand
                log.warning("interest of %s not settled automatically: %s", ended, exc)

    # ---------- merge (F8) ----------

    @rpc(expected_exceptions=BusinessError)
    def sealed_elsewhere(self, unit_account, query):
        """The person holding this account: his sealed accounts at other employers (to transfer in first)."""
        account_no = load(AccountQuerySchema(), query or {})["account_no"]
        member = store.member(self.db, unit_account, account_no)
        if member is None:
            raise not_found("个人账户")
        return SealedAccountSchema(many=True).dump(status.sealed_elsewhere(self.db, unit_account, member.id_number))

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def merge_accounts(self, unit_account, clerk_id, data):
        values = load(MergeInSchema(), data)
        from_no, to_no = values["from_account"].strip(), values["to_account"].strip()
        _, clerk_name = self._names(unit_account, clerk_id)
        on_open = set(self.contributions.members_on_open_verifications(unit_account, [from_no])["account_nos"])
        members = status.members_by_account(self.db, [from_no, to_no], lock=True)
        problem = status_rules.check_merge(members.get(from_no), members.get(to_no), unit_account, on_open)
        if problem:
            raise status_rules.problem_error(problem)
        record = status.merge(self.db, unit_account, members[from_no], members[to_no], clerk_name,
                              centre_today(self.config))
        return MergeOutSchema().dump(record)

    @rpc(expected_exceptions=BusinessError)
    def list_merges(self, unit_account, query=None):
        query = load(MergeQuerySchema(), query or {})
        return MergeOutSchema(many=True).dump(status.merges(self.db, unit_account, **query))

    @rpc(expected_exceptions=BusinessError)
    def merge_voucher(self, unit_account, merge_no):
        record = status.merge_by_no(self.db, unit_account, str(merge_no))
        if record is None:
            raise not_found("合并记录")
        employer_name, _ = self._names(unit_account)
        pdf = tpool.execute(merge_voucher, self.config, record, employer_name)
        return file_payload(f"个人账户合并凭证_{record.merge_no}.pdf", PDF, pdf)


def _failure(thread):
    """Wait for a green thread; its exception, if it raised one."""
    try:
        thread.wait()
    except Exception as exc:  # handed back to the caller
        return exc
    return None


@contextmanager
def roster_write(session):
    """The roster's unique ID per employer also holds against a concurrent add of the same person."""
    try:
        yield
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict("ROSTER_CHANGED", "该证件号码已被同时加入待开户清册，请刷新后重试") from None

