"""Contributions service: policy of each HPF year, remittance accounts, verifications, bank receipts,
the suspense deposit and the employer ledger."""
import base64
import binascii
import logging
import time
from datetime import timedelta
from decimal import Decimal

import eventlet
from eventlet import tpool
from nameko.dependency_providers import Config
from nameko.events import EventDispatcher, event_handler
from nameko.exceptions import MethodNotFound, RpcTimeout, UnknownService
from nameko.rpc import RpcProxy, rpc
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from services.contributions import rules, store, supplementary
from services.contributions.annual_flow import AnnualVerifications, annual_pending
from services.contributions.documents import roster_file, voucher_file
from services.contributions.models import EmployerAccount
from services.contributions.schemas import (
    EmployerChangedSchema, EmployerRegisteredSchema, LedgerEntryOutSchema, LedgerQuerySchema,
    PaymentQuerySchema, PolicySchema, ReceiptResultSchema, RemittanceInSchema, RemittanceStatsSchema,
    PageQuerySchema, SetPolicySchema, SupplementaryDraftChangeSchema, SupplementaryDraftInSchema,
    SupplementaryDraftOutSchema, SupplementaryPageSchema, SuspenseOutSchema, VerificationOutSchema)
from services.contributions.templates import HEADERS as TEMPLATE_HEADERS
from services.contributions.templates import SUPPLEMENTARY, supplementary_template
from shared.clock import centre_today
from shared.db import Database, atomic, upsert_insert
from shared.downloads import XLSX, file_payload
from shared.errors import BusinessError, conflict, field_error, forbidden, not_found, record_id, validation_error
from shared.money import money_str, to_money
from shared.months import hpf_year_of, hpf_year_of_month, month_of
from shared.schemas import DateRangeSchema, load
from shared.tasks import SUCCEEDED, Task, TaskReporter, new_task_id, now_iso, publish_snapshot
from shared.text import normalize_text
from shared.timers import timer
from shared.xlsx import error_file as xlsx_error_file
from shared.xlsx import file_error, read_rows, write_template

log = logging.getLogger(__name__)

KEPT_FROM_EMPLOYER = ("name", "employer_rate", "employee_rate")
RATES = ("employer_rate", "employee_rate")
POLICY_FIELDS = ("base_floor", "base_cap", "rate_min", "rate_max", "rounding_unit", "rounding_mode",
                 "interest_rate", "day_basis")
SUBMIT_KIND, SUBMIT_TITLE = "remittance_submit", "汇缴核定提交"
SUPPLEMENTARY_KIND, SUPPLEMENTARY_TITLE = "supplementary_submit", "补缴核定提交"
POSTING_KIND, POSTING_TITLE = "remittance_posting", "汇缴入账"
MAX_ROWS_PAGE = 10_000


class ContributionsService(AnnualVerifications):
    name = "contributions"

    db = Database()
    config = Config()
    tasks = TaskReporter()
    dispatch = EventDispatcher()
    employer = RpcProxy("employer")
    accounts = RpcProxy("accounts")

    @rpc
    def ping(self):
        return "ok"

    # ---------- policy ----------

    @rpc(expected_exceptions=BusinessError)
    def get_policy(self, year=None, month=None):
        """The policy of an HPF year (by year, by a YYYYMM month, or the current one)."""
        if year is None:
            year = hpf_year_of_month(rules.checked_month(month)) if month else hpf_year_of(
                centre_today(self.config))
        return PolicySchema().dump(self._policy(int(year)))

    def _policy(self, year):
        policy = store.policy(self.db, year)
        if policy is None:
            raise BusinessError("POLICY_MISSING", f"{year}年度缴存政策尚未设置，请联系中心")
        return {"year": policy.year, **{name: getattr(policy, name) for name in POLICY_FIELDS}}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def set_policy(self, data):
        """Centre side: the policy of an HPF year. Values left out keep the year's (or the latest
        earlier year's) values; verifications already saved keep what they were computed with."""
        data = load(SetPolicySchema(), data)
        year = data["year"]
        known = store.policy(self.db, year) or store.latest_policy_before(self.db, year)
        values = {name: getattr(known, name) for name in POLICY_FIELDS} if known else {}
        values.update({name: value for name, value in data.items() if value is not None})
        values["year"] = year
        missing = [name for name in POLICY_FIELDS if name not in values and name != "day_basis"]
        if missing:
            raise validation_error([{"field": name, "message": "首次设置年度政策须填写"} for name in missing])
        try:
            policy = rules.parse_policy(values)
        except ValueError:
            raise BusinessError("POLICY_INVALID", "缴存政策数值不符合要求：基数下限须大于零且不高于上限，"
                                "比例须满足0<下限≤上限<1，利率须在0至1之间") from None
        store.save_policy(self.db, policy)
        return PolicySchema().dump(policy)

    # ---------- remittance accounts (kept from the employer's events) ----------

    @event_handler("employer", "employer_registered")
    @atomic
    def on_employer_registered(self, payload):
        self._open_account(EmployerRegisteredSchema().load(payload))  # redelivery is harmless

    @event_handler("employer", "employer_changed")
    @atomic
    def on_employer_changed(self, payload):
        """Keep the unit name and rates of the remittance account as the employer's are now.

        They are read from the employer service (before any transaction here), with its version;
        a newer version already kept is never overwritten. Changes heard out of order (two queues,
        concurrent workers) or before the registration still end at the latest values. Rates
        changed take effect from the first month not yet posted (`rules.rate_change_month`)."""
        data = EmployerChangedSchema().load(payload)
        if not set(data["changed"]) & set(KEPT_FROM_EMPLOYER):
            return  # nothing this account keeps
        now = EmployerRegisteredSchema().load(self.employer.get_employer(data["unit_account"]))
        self._open_account(now)  # heard before the registration
        self.db.execute(update(EmployerAccount)
                        .where(EmployerAccount.unit_account == now["unit_account"],
                               EmployerAccount.employer_version < now["employer_version"])
                        .values({name: now[name] for name in (*KEPT_FROM_EMPLOYER, "employer_version")}))
        if set(data["changed"]) & set(RATES):
            account = store.account(self.db, now["unit_account"], lock=True)
            store.set_rate_period(self.db, account.unit_account,
                                  rules.rate_change_month(account.paid_up_to, account.first_month),
                                  now["employer_rate"], now["employee_rate"], now["employer_version"])

    def _open_account(self, data):
        """Open the remittance account unless it is open (a concurrent opening waits, then does nothing)."""
        data = dict(data)
        data["first_month"] = data.get("first_month") or month_of(data["opened_on"])
        opened = self.db.scalars(upsert_insert(self.db, EmployerAccount)
                                 .values(**data, paid_up_to=None, created_at=store.now())
                                 .on_conflict_do_nothing(index_elements=["unit_account"])
                                 .returning(EmployerAccount.unit_account)).first()
        if opened:  # the rates from the first month on; later changes add their own periods
            store.set_rate_period(self.db, data["unit_account"], data["first_month"], data["employer_rate"],
                                  data["employee_rate"], data["employer_version"])

    def _account(self, unit_account, lock=False):
        account = store.account(self.db, unit_account, lock=lock)
        if account is None:
            raise not_found("单位缴存账户")
        return account

    @rpc(expected_exceptions=BusinessError)
    def remittance_stats(self, unit_account):
        """Home page: 缴至月份 and the monthly amounts of the last months posted, oldest first."""
        account = self._account(unit_account)
        months = store.posted_months(self.db, unit_account, int(self.config["CONTRIBUTIONS"]["stats_months"]))
        return RemittanceStatsSchema().dump({
            "paid_up_to": account.paid_up_to, "first_month": account.first_month,
            "months": [{"month": m.month, "headcount": m.headcount, "amount": money_str(m.amount),
                        "employer_amount": money_str(m.employer_amount),
                        "employee_amount": money_str(m.employee_amount),
                        "status": m.status, "status_name": rules.STATUS_NAMES[m.status]}
                       for m in reversed(months)]})

    @rpc(expected_exceptions=BusinessError)
    def monthly_amount(self, unit_account, base, month=None):
        """A member's 月缴存额 at this employer in `month` (the current one by default), each part
        rounded by that year's policy at the rates in force then (the contribution certificate)."""
        month = rules.checked_month(month) if month else month_of(centre_today(self.config))
        employer_rate, employee_rate = rules.rates_in_force(store.rate_periods(self.db, str(unit_account)), month)
        policy = self._policy(hpf_year_of_month(month))
        employer_part, employee_part, total = rules.monthly_amount(to_money(base), employer_rate, employee_rate, policy)
        return {"month": month, "employer_rate": str(employer_rate), "employee_rate": str(employee_rate),
                "employer_part": money_str(employer_part), "employee_part": money_str(employee_part),
                "amount": money_str(total)}

    @rpc(expected_exceptions=BusinessError)
    def annual_verification_pending(self, unit_account, month):
        """For the accounts side (F9.1, sealing in July): does this July's HPF year still need the
        employer's annual base verification (owed and not yet 已核定)?"""
        month = rules.checked_month(month)
        account = self._account(str(unit_account))
        return {"pending": annual_pending(self.db, account.unit_account, month, account.first_month)}

    # ---------- F12.1 monthly remittance verification ----------

    def _clerk_name(self, unit_account, clerk_id):
        employer = self.employer.get_employer(unit_account)
        clerk = next((c["name"] for c in employer["clerks"] if str(c["id"]) == str(clerk_id)), None)
        if clerk is None:  # removed at the counter while still holding a token
            raise forbidden("经办人信息已变更，请重新登录")
        return employer["name"], clerk

    def _check_month(self, account, month):
        open_one = store.open_remittance(self.db, account.unit_account)
        rules.check_remittance_month(
            month, expected=rules.next_remittance_month(account.paid_up_to, account.first_month),
            current_month=month_of(centre_today(self.config)), first_month=account.first_month,
            open_no=open_one.verification_no if open_one else None,
            annual_done=not annual_pending(self.db, account.unit_account, month, account.first_month))

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def create_remittance(self, unit_account, clerk_id, data):
        """Save the verification of a month: the roster of every member 正常 now, fixed from here on."""
        month = load(RemittanceInSchema(), data)["month"]
        employer_name, clerk_name = self._clerk_name(unit_account, clerk_id)
        self._check_month(self._account(unit_account), month)  # fail fast, before the roster is fetched
        policy = self._policy(hpf_year_of_month(month))
        self.db.rollback()  # no transaction open while the roster crosses the bus
        started = time.perf_counter()
        members = self._roster(unit_account)
        fetched = time.perf_counter()
        account = self._account(unit_account, lock=True)  # one save per employer at a time
        self._check_month(account, month)
        rules.refuse_bases(rules.out_of_bounds(members, policy), policy)
        employer_rate, employee_rate = rules.rates_in_force(store.rate_periods(self.db, unit_account), month)
        rules.check_rates_in_range(employer_rate, employee_rate, policy)
        rows, employer_total, employee_total = rules.roster_rows(members, month, employer_rate, employee_rate,
                                                                 policy)
        amount = employer_total + employee_total
        changes = rules.changes_since(store.last_posted_remittance(self.db, unit_account),
                                      [m[0] for m in members], amount)
        try:
            verification = store.add_verification(self.db, {
                "kind": rules.REMITTANCE, "unit_account": unit_account, "employer_name": employer_name,
                "month": month, "status": rules.SAVED, "headcount": len(rows), "amount": amount,
                "employer_amount": employer_total, "employee_amount": employee_total,
                "employer_rate": employer_rate, "employee_rate": employee_rate, "changes": changes,
                "clerk_name": clerk_name}, centre_today(self.config))
            computed = time.perf_counter()
            store.add_rows(self.db, verification.id, rows)
            self.db.flush()
        except IntegrityError:
            self.db.rollback()
            raise conflict("OPEN_REMITTANCE", "该月份已有汇缴核定，请刷新后查看") from None
        log.info("remittance %s saved, %d members: roster %.2f s, rules %.2f s, rows stored %.2f s",
                 verification.verification_no, len(rows), fetched - started, computed - fetched,
                 time.perf_counter() - computed)
        return VerificationOutSchema().dump(verification)

    def _roster(self, unit_account):
        """Every member 正常 at the employer now, in one call (contract §1)."""
        try:
            with eventlet.Timeout(float(self.config["CONTRIBUTIONS"]["roster_timeout_seconds"])):
                return self.accounts.remittance_roster(unit_account)["members"]
        except (eventlet.Timeout, UnknownService, MethodNotFound, RpcTimeout):
            raise BusinessError("ROSTER_UNAVAILABLE", "职工名册暂时无法获取，请稍后再试", status=503) from None

    def _verification(self, unit_account, number, lock=False):
        verification = store.verification(self.db, unit_account, number, lock=lock)
        if verification is None:
            raise not_found("核定")
        return verification

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def discard_remittance(self, unit_account, number):
        """作废 a saved verification: the record stays, the month is free again."""
        verification = self._verification(unit_account, number, lock=True)
        rules.check_discard(verification)
        verification.status, verification.closed_at = rules.DISCARDED, store.now()
        return VerificationOutSchema().dump(verification)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def submit_remittance(self, unit_account, clerk_id, number):
        """Submit a saved verification as a task: it awaits payment, its number now the payment
        reference. A zero remittance (零申报) is posted at once."""
        _, clerk_name = self._clerk_name(unit_account, clerk_id)
        account = self._account(unit_account, lock=True)
        verification = self._verification(unit_account, number, lock=True)
        rules.check_submit(verification)
        task = Task(new_task_id(), unit_account, self.name, SUBMIT_KIND, title=SUBMIT_TITLE, total=1,
                    submitted_by=clerk_name)
        task.seq = 1
        store.add_snapshot(self.db, task.snapshot())
        verification.submitted_at, verification.submit_task_id = store.now(), task.task_id
        if verification.headcount == 0:
            self._post_zero(account, verification)
            message = f"{rules.month_text(verification.month)}零申报已入账"
        else:
            verification.status = rules.AWAITING
            message = (f"汇缴核定{verification.verification_no}已提交，应缴{money_str(verification.amount)}元，"
                       f"请在转账附言中填写核定号{verification.verification_no}")
        task.start()
        task.done = 1
        task.finish(message)
        task.seq = 2
        store.add_snapshot(self.db, task.snapshot())
        self.db.commit()
        self._send_outbox()
        return {"task_id": task.task_id, "verification_no": verification.verification_no,
                "status": verification.status}

    def _post_zero(self, account, verification):
        today = centre_today(self.config)
        verification.status, verification.value_date = rules.POSTED, today
        verification.posted_at = store.now()
        account.paid_up_to = max(account.paid_up_to or "", verification.month)
        store.add_entry(self.db, account, day=today, type=verification.kind, book=rules.POSTED_BOOK,
                        amount=Decimal("0.00"), reference=verification.verification_no,
                        summary=f"{rules.month_text(verification.month)}零申报", month=verification.month)

    # ---------- F13 supplementary contributions ----------

    def _supplementary_rows(self, unit_account, rows, exclude_draft=None):
        """(row no., values, cell problems) → (clean rows, failures (row no., values, error or problems)),
        with one call for the members and one query for what each member's months already hold."""
        account = self._account(unit_account)
        current = month_of(centre_today(self.config))
        policy = self._policy(hpf_year_of_month(current))
        numbers = [normalize_text(values.get("account_no") or "") for _, values, _ in rows]
        self.db.rollback()  # no transaction open while the members cross the bus
        members = self.accounts.members_of(unit_account, [n for n in numbers if n])
        cleaned, failures = [], []
        for (row_no, values, problems), account_no in zip(rows, numbers):
            if problems:
                failures.append((row_no, values, problems))
                continue
            try:
                if account_no not in members:
                    raise field_error("NOT_FOUND", "account_no", "本单位没有该个人账号")
                name, id_number, _ = members[account_no]
                cleaned.append((row_no, values, {
                    "row_no": row_no, "account_no": account_no, "name": name, "id_number": id_number,
                    "month": supplementary.clean_month(values.get("month"), current, account.paid_up_to),
                    "amount": supplementary.clean_amount(values.get("amount")),
                    "reason": supplementary.clean_reason(values.get("reason"))}))
            except BusinessError as exc:
                failures.append((row_no, values, exc))
        taken = supplementary.taken(self.db, [(r["account_no"], r["month"]) for _, _, r in cleaned], unit_account,
                                    exclude_draft)
        roster = supplementary.roster_pairs(self.db, unit_account, exclude_draft)
        good, cap = [], rules.monthly_cap(policy)
        for row_no, values, row in cleaned:
            key = (row["account_no"], row["month"])
            try:
                if key in roster:
                    raise field_error("IN_ROSTER", "month", "该职工该月份已在补缴清册中")
                supplementary.check_cap(row["amount"], cap, taken.get(key, Decimal(0)), row["month"])
            except BusinessError as exc:
                failures.append((row_no, values, exc))
                continue
            taken[key], roster = taken.get(key, Decimal(0)) + row["amount"], roster | {key}
            good.append(row)
        return good, failures

    def _draft_out(self, unit_account, drafts):
        """Drafts with the split of each amount by its month's rates (as the verification will split it)."""
        periods, policies = store.rate_periods(self.db, unit_account), {}
        out = []
        for draft in drafts:
            employer_rate, employee_rate = rules.rates_in_force(periods, draft.month)
            year = hpf_year_of_month(draft.month)
            if year not in policies:  # a page's rows share a year or two: one policy read each
                policies[year] = self._policy(year)
            parts = supplementary.split(draft.amount, employer_rate, employee_rate, policies[year])
            out.append({**SupplementaryDraftOutSchema().dump(draft), "employer_part": money_str(parts[0]),
                        "employee_part": money_str(parts[1])})
        return out

    @rpc(expected_exceptions=BusinessError)
    def supplementary_template(self):
        template = supplementary_template(self.config["ACCOUNTS"]["max_import_rows"])
        return file_payload("补缴清册模板.xlsx", XLSX, tpool.execute(write_template, template))

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def add_supplementary_draft(self, unit_account, data):
        values = load(SupplementaryDraftInSchema(), data)
        good, failures = self._supplementary_rows(unit_account, [(None, values, [])])
        if failures:
            raise failures[0][2]
        draft = supplementary.add_drafts(self.db, unit_account, good)[0]
        return self._draft_out(unit_account, [draft])[0]

    @rpc(expected_exceptions=BusinessError)
    def list_supplementary_drafts(self, unit_account, query=None):
        query = load(PageQuerySchema(), query or {})
        page = supplementary.drafts_page(self.db, unit_account, **query)
        return {**SupplementaryPageSchema().dump({**page, "items": []}),
                "items": self._draft_out(unit_account, page["items"])}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def update_supplementary_draft(self, unit_account, draft_id, data):
        draft = supplementary.draft(self.db, unit_account, record_id(draft_id, "补缴清册记录"), lock=True)
        if draft is None:
            raise not_found("补缴清册记录")
        changes = load(SupplementaryDraftChangeSchema(), data)
        values = {"account_no": draft.account_no, "month": draft.month, "amount": str(draft.amount),
                  "reason": draft.reason, **changes}
        draft_key = draft.id
        good, failures = self._supplementary_rows(unit_account, [(draft.row_no, values, [])], exclude_draft=draft_key)
        if failures:
            raise failures[0][2]
        draft = supplementary.draft(self.db, unit_account, draft_key, lock=True)
        if draft is None:  # submitted or deleted meanwhile
            raise not_found("补缴清册记录")
        draft.month, draft.amount, draft.reason = good[0]["month"], good[0]["amount"], good[0]["reason"]
        self.db.flush()
        return self._draft_out(unit_account, [draft])[0]

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def delete_supplementary_draft(self, unit_account, draft_id):
        draft = supplementary.draft(self.db, unit_account, record_id(draft_id, "补缴清册记录"))
        if draft is None:
            raise not_found("补缴清册记录")
        self.db.delete(draft)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def clear_supplementary_drafts(self, unit_account):
        return {"deleted": supplementary.clear(self.db, unit_account)}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def import_supplementary_file(self, unit_account, content):
        """As openings: good rows into the roster, the others back with their reasons and an error file."""
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise file_error("上传的文件内容无法识别") from None
        rows = tpool.execute(lambda: list(read_rows(
            data, SUPPLEMENTARY, max_rows=int(self.config["ACCOUNTS"]["max_import_rows"]),
            max_bytes=int(self.config["GATEWAY"]["max_upload_bytes"]))))
        good, failures = self._supplementary_rows(unit_account, rows)
        if good:
            supplementary.add_drafts(self.db, unit_account, good)
        errors = supplementary.import_errors(failures, TEMPLATE_HEADERS)
        error_file = (file_payload("补缴清册报错文件.xlsx", XLSX, tpool.execute(xlsx_error_file, errors))
                      if errors else None)
        return {"imported": len(good), "errors": errors, "error_file": error_file}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def submit_supplementaries(self, unit_account, clerk_id):
        """The whole roster becomes one 补缴 verification awaiting payment (its number the payment
        reference); every rule is checked again on the roster as it is now, and a refusal keeps it."""
        employer_name, clerk_name = self._clerk_name(unit_account, clerk_id)
        account = self._account(unit_account, lock=True)  # one submit per employer at a time
        drafts = supplementary.take_roster(self.db, unit_account)
        if not drafts:
            raise BusinessError("ROSTER_EMPTY", "补缴清册为空，请先添加补缴记录")
        today = centre_today(self.config)
        current, policy = month_of(today), self._policy(hpf_year_of(today))
        taken, cap = supplementary.taken(self.db, [(d["account_no"], d["month"]) for d in drafts], unit_account), \
            rules.monthly_cap(policy)
        periods, rows = store.rate_periods(self.db, unit_account), []
        for d in drafts:
            supplementary.clean_month(d["month"], current, account.paid_up_to)
            key = (d["account_no"], d["month"])
            supplementary.check_cap(d["amount"], cap, taken.get(key, Decimal(0)), d["month"])
            taken[key] = taken.get(key, Decimal(0)) + d["amount"]
            employer_rate, employee_rate = rules.rates_in_force(periods, d["month"])
            employer_part, employee_part = supplementary.split(d["amount"], employer_rate, employee_rate, policy)
            rows.append({"account_no": d["account_no"], "name": d["name"], "id_number": d["id_number"],
                         "month": d["month"], "base": Decimal("0.00"), "employer_amount": employer_part,
                         "employee_amount": employee_part})
        employer_total = sum((r["employer_amount"] for r in rows), Decimal("0.00"))
        employee_total = sum((r["employee_amount"] for r in rows), Decimal("0.00"))
        employer_rate, employee_rate = rules.rates_in_force(periods, current)
        verification = store.add_verification(self.db, {
            "kind": rules.SUPPLEMENTARY, "unit_account": unit_account, "employer_name": employer_name,
            "month": None, "status": rules.AWAITING, "headcount": len(rows), "amount": employer_total + employee_total,
            "employer_amount": employer_total, "employee_amount": employee_total, "employer_rate": employer_rate,
            "employee_rate": employee_rate, "changes": {}, "clerk_name": clerk_name}, today)
        store.add_rows(self.db, verification.id, rows)
        task = Task(new_task_id(), unit_account, self.name, SUPPLEMENTARY_KIND, title=SUPPLEMENTARY_TITLE, total=1,
                    submitted_by=clerk_name)
        task.start()
        task.done = 1
        task.finish(f"补缴核定{verification.verification_no}已提交，应缴{money_str(verification.amount)}元，"
                    f"请在转账附言中填写核定号{verification.verification_no}")
        task.seq = 1
        store.add_snapshot(self.db, task.snapshot())
        verification.submitted_at, verification.submit_task_id = store.now(), task.task_id
        self.db.commit()
        self._send_outbox()
        return {"task_id": task.task_id, "verification_no": verification.verification_no}

    @rpc(expected_exceptions=BusinessError)
    def list_supplementaries(self, unit_account, query=None):
        query = load(DateRangeSchema(), query or {})
        return VerificationOutSchema(many=True).dump(store.verifications(
            self.db, unit_account, rules.SUPPLEMENTARY, query["start"], query["end"]))

    # ---------- F12.2, F14.1 queries and cancel ----------

    @rpc(expected_exceptions=BusinessError)
    def list_remittances(self, unit_account, query=None):
        query = load(DateRangeSchema(), query or {})
        return VerificationOutSchema(many=True).dump(store.verifications(
            self.db, unit_account, rules.REMITTANCE, query["start"], query["end"]))

    @rpc(expected_exceptions=BusinessError)
    def get_remittance(self, unit_account, number):
        return VerificationOutSchema().dump(self._verification(unit_account, number))

    @rpc(expected_exceptions=BusinessError)
    def list_payments(self, unit_account, query=None):
        """F14.1: verifications awaiting payment (to pay, or to cancel)."""
        query = load(PaymentQuerySchema(), query or {})
        kind = rules.PAYMENT_KINDS.get(query["kind"]) if query["kind"] else None
        return VerificationOutSchema(many=True).dump(store.verifications(
            self.db, unit_account, kind, statuses=(rules.AWAITING,)))

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def cancel_payment(self, unit_account, number):
        """撤销 a verification awaiting payment; a receipt for it at the same moment waits for this
        lock (or this waits for the receipt's) and finds the state the other left."""
        verification = self._verification(unit_account, number, lock=True)
        rules.check_cancel(verification)
        verification.status, verification.closed_at = rules.CANCELLED, store.now()
        return VerificationOutSchema().dump(verification)

    @rpc(expected_exceptions=BusinessError)
    def remittance_roster_file(self, unit_account, number):
        verification = self._verification(unit_account, number)
        rows = store.roster(self.db, verification.id)
        return tpool.execute(roster_file, verification, rows)

    @rpc(expected_exceptions=BusinessError)
    def remittance_voucher(self, unit_account, number):
        verification = self._verification(unit_account, number)
        return tpool.execute(voucher_file, self.config, verification)

    # ---------- posting (contract §2) ----------

    @rpc(expected_exceptions=BusinessError)
    def verification_rows(self, verification_no, after=0, limit=5000):
        """A page of a verification's roster for the accounts service, by row id."""
        verification = self._verification(None, verification_no)
        after, limit = int(after or 0), max(1, min(int(limit or 5000), MAX_ROWS_PAGE))
        return {"rows": [[row_id, account_no, month, money_str(employer_part), money_str(employee_part)]
                         if not isinstance(employer_part, str) else [row_id, account_no, month, employer_part,
                                                                     employee_part]
                         for row_id, account_no, month, employer_part, employee_part
                         in store.rows_page(self.db, verification.id, after, limit)]}

    @rpc(expected_exceptions=BusinessError)
    def members_on_open_verifications(self, unit_account, account_nos):
        """For the accounts side (merge out, transfer away): which of these members are on a verification
        of the employer not yet posted, so cannot leave it until it is posted or given up."""
        numbers = [str(a) for a in account_nos or ()][:10_000]
        return {"account_nos": store.members_on_open(self.db, str(unit_account), numbers) if numbers else []}

    def _start_posting(self, account, verification, value_date):
        """入账中: the value date, the employer ledger entry, 缴至月份, the posting task and the event,
        all in the caller's transaction (the event and snapshot through the outbox)."""
        verification.status, verification.value_date = rules.POSTING, value_date
        verification.posting_started_at = verification.dispatched_at = store.now()
        if verification.kind == rules.REMITTANCE:
            account.paid_up_to = max(account.paid_up_to or "", verification.month)
        store.add_entry(self.db, account, day=value_date, type=verification.kind, book=rules.POSTED_BOOK,
                        amount=verification.amount, reference=verification.verification_no,
                        summary=f"{rules.verification_title(verification)}入账", month=verification.month)
        task = self._posting_task(verification)
        task.task_id = verification.posting_task_id = new_task_id()
        task.start()
        task.seq = verification.posting_seq = 1
        store.add_snapshot(self.db, task.snapshot())
        store.add_event(self.db, "verification_posting", posting_event(verification))

    def _posting_task(self, verification):
        return Task(verification.posting_task_id or "", verification.unit_account, self.name, POSTING_KIND,
                    title=POSTING_TITLE, total=verification.headcount, submitted_by=verification.clerk_name,
                    seq=verification.posting_seq)

    @event_handler("accounts", "verification_rows_posted")
    @atomic
    def on_rows_posted(self, payload):
        """Every member row is written: 已入账, and the posting task's final snapshot (a clerk message)."""
        verification = store.verification(self.db, None, str(payload.get("verification_no")), lock=True)
        if verification is None or verification.unit_account != payload.get("unit_account"):
            log.error("verification_rows_posted for unknown verification %s", payload)
            return
        if int(payload.get("rows", -1)) != verification.headcount:
            log.error("verification %s: %s rows posted, roster has %s", verification.verification_no,
                      payload.get("rows"), verification.headcount)
            return
        if verification.status == rules.POSTING:
            verification.status, verification.posted_at = rules.POSTED, store.now()
            verification.posting_seq += 1
        elif verification.status != rules.POSTED:
            log.error("verification %s is %s, not posting", verification.verification_no, verification.status)
            return
        task = self._posting_task(verification)
        task.status, task.done, task.finished_at = SUCCEEDED, verification.headcount, now_iso()
        task.started_at = verification.posting_started_at.isoformat(timespec="seconds")
        task.message = (f"{rules.verification_title(verification)}{verification.verification_no}已入账，"
                        f"共{verification.headcount}人，金额{money_str(verification.amount)}元")
        store.add_snapshot(self.db, task.snapshot())  # again on a repeat: same seq, one message
        self.db.commit()
        self._send_outbox()

    def _send_outbox(self):
        """Send what the outbox holds, oldest first; if the broker fails now, the sweep sends it later."""
        try:
            messages = store.unsent(self.db)
            for message in messages:
                if message.channel == "event":
                    self.dispatch(message.event_type, message.payload)
                else:
                    publish_snapshot(self.tasks.publisher, message.payload)
            store.mark_sent(self.db, messages)
            self.db.commit()
        except Exception:  # the change is committed; only its messages wait for the sweep
            self.db.rollback()
            log.exception("消息暂未发出，将由定时任务重发")

    @timer(interval=30, eager=True)
    def sweep(self):
        """At start and every 30 s: what the outbox still holds, annual verifications left 办理中, and
        `verification_posting` again for every verification still posting a while after its event went out."""
        self._send_outbox()
        self._resume_annuals()
        resend = int(self.config["CONTRIBUTIONS"]["posting_resend_seconds"])
        stale = store.stale_postings(self.db, store.now() - timedelta(seconds=resend))
        self.db.commit()
        for row in stale:
            self.dispatch("verification_posting", posting_event(row))

    # ---------- B1 bank arrival notices, suspense ----------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def post_bank_receipt(self, data):
        """到账通知: equal to an awaiting verification named by its reference → posting; anything else
        → the whole amount into the employer's suspense deposit. Once per bank reference."""
        if not isinstance(data, dict):
            raise validation_error([{"field": "", "message": "到账通知应为对象"}])
        notice = rules.receipt_input(data, centre_today(self.config))
        known = store.receipt_by_ref(self.db, notice["bank_ref"])
        if known is None:  # a bank reference seen before is a repeat or a conflict, whatever the employer
            self._account(notice["unit_account"])
        receipt, new = store.claim_receipt(self.db, notice)
        if not new:
            if rules.same_notice(receipt, notice):
                return self._receipt_answer(receipt)
            store.add_conflict(self.db, notice)
            self.db.commit()  # kept for the centre to look at
            raise conflict("BANK_REF_CONFLICT", f"银行流水号{notice['bank_ref']}已于此前到账，单位或金额不同，"
                           "已记录待中心核查，未作处理")
        account = self._account(notice["unit_account"], lock=True)
        verification = (store.verification(self.db, account.unit_account, notice["reference"], lock=True)
                        if notice["reference"] else None)
        reason = rules.receipt_match(notice["amount"], notice["reference"], verification)
        if reason is None:
            self._start_posting(account, verification, notice["value_date"])
            receipt.result, receipt.verification_no = "posted", verification.verification_no
        else:
            store.add_suspense(self.db, receipt, reason)
            store.add_entry(self.db, account, day=notice["value_date"], type=rules.OTHER,
                            book=rules.SUSPENSE_BOOK, amount=notice["amount"], reference=notice["bank_ref"],
                            summary=f"汇补缴不符暂存：{reason}")
            receipt.result, receipt.reason = "suspense", reason
        self.db.flush()
        answer = self._receipt_answer(receipt)
        self.db.commit()
        self._send_outbox()
        return answer

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def apply_suspense(self, data):
        """Centre side: whole suspense items whose sum equals an awaiting verification → posting."""
        unit_account, ids = self._suspense_request(data)
        number = str(data.get("verification_no") or "").strip()
        account = self._account(unit_account, lock=True)
        items = rules.check_items(store.suspense_items(self.db, unit_account, ids, lock=True), ids, unit_account)
        verification = store.verification(self.db, unit_account, number, lock=True) if number else None
        total = rules.check_apply(items, verification)
        value_date = max(item.value_date for item in items)
        for item in items:
            item.status, item.verification_no, item.resolved_at = rules.APPLIED, number, store.now()
        store.add_entry(self.db, account, day=value_date, type=rules.OTHER, book=rules.SUSPENSE_BOOK,
                        amount=-total, reference=number, summary=f"暂存款转入核定{number}")
        self._start_posting(account, verification, value_date)
        self.db.commit()
        self._send_outbox()
        return {"result": "posting", "verification_no": number, "items": ids, "amount": money_str(total)}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def refund_suspense(self, data):
        """Centre side: whole suspense items returned to the employer."""
        unit_account, ids = self._suspense_request(data)
        account = self._account(unit_account, lock=True)
        items = rules.check_items(store.suspense_items(self.db, unit_account, ids, lock=True), ids, unit_account)
        total = sum((item.amount for item in items), Decimal("0.00"))
        for item in items:
            item.status, item.resolved_at = rules.REFUNDED, store.now()
        store.add_entry(self.db, account, day=centre_today(self.config), type=rules.OTHER,
                        book=rules.SUSPENSE_BOOK, amount=-total, reference="TK" + "-".join(map(str, ids))[:60],
                        summary="暂存款退回单位")
        return {"result": "refunded", "items": ids, "amount": money_str(total)}

    def _receipt_answer(self, receipt):
        return ReceiptResultSchema().dump({
            "result": receipt.result, "verification_no": receipt.verification_no, "reason": receipt.reason,
            "bank_ref": receipt.bank_ref, "suspense_item": store.suspense_item_of(self.db, receipt.id)})

    def _suspense_request(self, data):
        if not isinstance(data, dict):
            raise validation_error([{"field": "", "message": "请求内容应为对象"}])
        unit_account = str(data.get("unit_account") or "").strip()
        ids = rules.item_ids(data.get("items"))
        if not unit_account:
            raise validation_error([{"field": "unit_account", "message": "单位账号不能为空"}])
        return unit_account, ids

    # ---------- F7.2 employer ledger, F7.3 suspense ----------

    @rpc(expected_exceptions=BusinessError)
    def employer_ledger(self, unit_account, query=None):
        query = load(LedgerQuerySchema(), query or {})
        self._account(unit_account)
        return LedgerEntryOutSchema(many=True).dump(store.ledger(self.db, unit_account, **query))

    @rpc(expected_exceptions=BusinessError)
    def employer_suspense(self, unit_account, query=None):
        query = load(DateRangeSchema(), query or {})
        account = self._account(unit_account)
        totals = store.suspense_totals(self.db, unit_account)
        received = sum(totals.values(), Decimal("0.00"))
        held = totals.get(rules.HELD, Decimal("0.00"))
        return SuspenseOutSchema().dump({
            "received": received, "applied": totals.get(rules.APPLIED, Decimal("0.00")),
            "refunded": totals.get(rules.REFUNDED, Decimal("0.00")), "balance": account.suspense_balance,
            "held": held, "message": rules.suspense_prompt(held),
            "items": store.suspense_items(self.db, unit_account, start=query["start"], end=query["end"])})


def posting_event(verification):
    """`verification_posting` (contract §2) of a verification, or of a row with the same fields."""
    return {"verification_no": verification.verification_no, "kind": verification.kind,
            "unit_account": verification.unit_account, "value_date": verification.value_date.isoformat(),
            "total_rows": verification.headcount}


