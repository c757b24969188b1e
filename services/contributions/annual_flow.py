"""The contributions service's entrypoints of the annual base verification (F11.1, F11.2).

Submitting records the verification (rows, rates) and its task in one transaction, as 办理中; the
new bases then go to the accounts service and the rates to the employer service (each idempotent:
a base or rate already as asked is left alone), and only then is it 已核定 and the July remittance
of that year allowed. A crash in between is resumed by the sweep."""
import base64
import binascii
import logging
from datetime import timedelta
from decimal import Decimal

from eventlet import tpool
from nameko.rpc import rpc

from services.contributions import annual, rules, store
from services.contributions.schemas import (
    AnnualDraftChangeSchema, AnnualDraftOutSchema, AnnualOutSchema, AnnualPageSchema, AnnualStatusSchema,
    AnnualSubmitSchema, EmployerRegisteredSchema, PageQuerySchema)
from services.contributions.templates import ANNUAL, ANNUAL_HEADERS, annual_template
from services.contributions.supplementary import import_errors
from shared.clock import centre_today
from shared.db import atomic
from shared.downloads import PDF, XLSX, file_payload
from shared.errors import BusinessError, field_error, not_found, record_id
from shared.money import money_str, percent
from shared.months import checked_year, hpf_year_of_month
from shared.pdf import centre_voucher
from shared.schemas import DateRangeSchema, load
from shared.tasks import SUCCEEDED, Task, new_task_id, now_iso
from shared.text import normalize_text
from shared.xlsx import error_file as xlsx_error_file
from shared.xlsx import file_error, read_rows, write_rows, write_template

log = logging.getLogger(__name__)

ANNUAL_KIND, ANNUAL_TITLE = "annual_verification", "年度缴存基数核定"
VOUCHER_KIND = "annual"
ROSTER_HEADERS = ["序号", "个人账号", "姓名", "证件号码", "原缴存基数", "新缴存基数", "基数变化", "来源"]
UNLISTED_SAMPLE = 5


class AnnualVerifications:
    """Mixed into ContributionsService."""

    def _keeps_unlisted(self):
        return bool(self.config["CONTRIBUTIONS"]["annual_keeps_unlisted_bases"])

    def _annual_roster(self, unit_account, year):
        """{account_no: (name, id_number, base)}: on the posted June Y remittance and 正常 here now.
        The members cross the bus before any transaction opens here."""
        self.db.rollback()
        members = self._roster(unit_account)
        june = annual.june_members(self.db, unit_account, year)
        return {m[0]: (m[1], m[2], Decimal(m[3])) for m in members if m[0] in june}

    def _check_annual_year(self, unit_account, year, lock=False):
        account = self._account(unit_account, lock=lock)
        annual.check_year(year, first_month=account.first_month, paid_up_to=account.paid_up_to,
                          done=annual.years(self.db, unit_account))
        return account

    @rpc(expected_exceptions=BusinessError)
    def annual_status(self, unit_account, year=None):
        """The year to verify (the one asked, or the next one owed) and whether it can be done now."""
        account = self._account(unit_account)
        done = annual.years(self.db, unit_account)
        year = checked_year(year) if year is not None else annual.due_year(account.first_month, done)
        answer = {"year": year, "owed": year >= rules.first_owed_year(account.first_month),
                  "status": done.get(year), "paid_up_to": account.paid_up_to, "first_month": account.first_month,
                  "keeps_unlisted": self._keeps_unlisted(), "annual": annual.annual(self.db, unit_account, year),
                  "refusal": None}
        refusals = []
        try:  # the year's numbers, shown even while it cannot be done yet
            policy = self._policy(year)
            answer.update({key: policy[key] for key in ("base_floor", "base_cap", "rate_min", "rate_max")})
            answer["employer_rate"], answer["employee_rate"] = rules.rates_in_force(
                store.rate_periods(self.db, unit_account), f"{year}07")
        except BusinessError as exc:
            refusals.append(exc.message)
        try:  # the year's own rule first: it says what the clerk can do about it
            annual.check_year(year, first_month=account.first_month, paid_up_to=account.paid_up_to, done=done)
        except BusinessError as exc:
            refusals.insert(0, exc.message)
        answer["refusal"] = refusals[0] if refusals else None
        answer["can_start"] = answer["refusal"] is None
        return AnnualStatusSchema().dump(answer)

    @rpc(expected_exceptions=BusinessError)
    def annual_template(self, unit_account, year):
        """The review list's template, pre-filled with the year's members and their bases now."""
        year = checked_year(year)
        self._check_annual_year(unit_account, year)
        policy = self._policy(year)
        roster = self._annual_roster(unit_account, year)
        rows = [[account_no, name, id_number, money_str(base), ""]
                for account_no, (name, id_number, base) in roster.items()]
        template = annual_template(year, policy, self._keeps_unlisted())
        return file_payload(f"{year}年度缴存基数核定清册.xlsx", XLSX, tpool.execute(write_template, template, rows))

    def _annual_rows(self, unit_account, year, rows, roster, policy):
        """(row no., values, cell problems) → (clean rows, failures), against the roster and the list."""
        listed = annual.listed_accounts(self.db, unit_account, year)
        good, failures = [], []
        for row_no, values, problems in rows:
            if problems:
                failures.append((row_no, values, problems))
                continue
            account_no = normalize_text(values.get("account_no") or "")
            try:
                member = roster.get(account_no)
                annual.check_member(values, member)
                if account_no in listed:
                    raise field_error("IN_ROSTER", "account_no", "该职工已在年度核定清册中")
                new_base = annual.clean_base(values.get("new_base"), policy)
            except BusinessError as exc:
                failures.append((row_no, values, exc))
                continue
            listed.add(account_no)
            name, id_number, base = member
            good.append({"row_no": row_no, "account_no": account_no, "name": name, "id_number": id_number,
                         "old_base": base, "new_base": new_base})
        return good, failures

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def import_annual_file(self, unit_account, year, content):
        """As other rosters: good rows into the review list, the others back with their reasons."""
        year = checked_year(year)
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise file_error("上传的文件内容无法识别") from None
        self._check_annual_year(unit_account, year)
        policy = self._policy(year)
        rows = tpool.execute(lambda: list(read_rows(
            data, ANNUAL, max_rows=int(self.config["ACCOUNTS"]["max_import_rows"]),
            max_bytes=int(self.config["GATEWAY"]["max_upload_bytes"]))))
        roster = self._annual_roster(unit_account, year)
        self._check_annual_year(unit_account, year, lock=True)  # one import or submit at a time
        good, failures = self._annual_rows(unit_account, year, rows, roster, policy)
        if good:
            annual.add_drafts(self.db, unit_account, year, good)
        errors = import_errors(failures, ANNUAL_HEADERS)
        error_file = (file_payload("年度核定清册报错文件.xlsx", XLSX, tpool.execute(xlsx_error_file, errors))
                      if errors else None)
        return {"imported": len(good), "errors": errors, "error_file": error_file}

    @rpc(expected_exceptions=BusinessError)
    def list_annual_drafts(self, unit_account, year, query=None):
        year = checked_year(year)
        query = load(PageQuerySchema(), query or {})
        try:  # first: fetching it ends the transaction, which would expire the page's rows
            roster = self._annual_roster(unit_account, year)
        except BusinessError:  # the list still shows; the roster's part waits for the accounts service
            roster = {}
        page = annual.drafts_page(self.db, unit_account, year, **query)
        listed = annual.listed_accounts(self.db, unit_account, year)
        unlisted = [(a, m) for a, m in roster.items() if a not in listed]
        return AnnualPageSchema().dump({
            **page, "roster_total": len(roster), "unlisted": len(unlisted),
            "unlisted_sample": [{"account_no": a, "name": m[0], "base": m[2]} for a, m in unlisted[:UNLISTED_SAMPLE]]})

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def update_annual_draft(self, unit_account, year, draft_id, data):
        year = checked_year(year)
        new_base = load(AnnualDraftChangeSchema(), data)["new_base"]
        draft = annual.draft(self.db, unit_account, year, record_id(draft_id, "年度核定清册记录"), lock=True)
        if draft is None:
            raise not_found("年度核定清册记录")
        draft.new_base = annual.clean_base(new_base, self._policy(year))
        self.db.flush()
        return AnnualDraftOutSchema().dump(draft)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def clear_annual_drafts(self, unit_account, year):
        return {"deleted": annual.clear(self.db, unit_account, checked_year(year))}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def submit_annual(self, unit_account, clerk_id, year, data=None):
        """Submit the whole list (and the rates, if changed) as a task; every rule is checked again now."""
        year = checked_year(year)
        asked = load(AnnualSubmitSchema(), data or {})
        employer_name, clerk_name = self._clerk_name(unit_account, clerk_id)
        self._check_annual_year(unit_account, year)  # fail fast, before the roster is fetched
        policy = self._policy(year)
        roster = self._annual_roster(unit_account, year)
        self._check_annual_year(unit_account, year, lock=True)  # one submit per employer at a time
        old_rates = rules.rates_in_force(store.rate_periods(self.db, unit_account), f"{year}07")
        employer_rate = asked["employer_rate"] if asked["employer_rate"] is not None else old_rates[0]
        employee_rate = asked["employee_rate"] if asked["employee_rate"] is not None else old_rates[1]
        annual.check_new_rates(employer_rate, employee_rate, policy)
        listed = annual.take_drafts(self.db, unit_account, year)
        annual.check_roster_now(listed, roster)
        in_list = {d["account_no"] for d in listed}
        unlisted = [(a, m[0], m[1], m[2]) for a, m in roster.items() if a not in in_list]
        annual.check_unlisted(unlisted, self._keeps_unlisted(), policy)
        if not listed and not unlisted and (employer_rate, employee_rate) == old_rates and roster:
            raise BusinessError("ROSTER_EMPTY", "年度核定清册为空，请先上传核定清册")
        rows = [{**d, "listed": True} for d in listed] + [
            {"account_no": a, "name": n, "id_number": i, "old_base": b, "new_base": b, "listed": False}
            for a, n, i, b in unlisted]
        task = Task(new_task_id(), unit_account, self.name, ANNUAL_KIND, title=ANNUAL_TITLE, total=len(rows),
                    submitted_by=clerk_name)
        record = annual.add_annual(self.db, {
            "unit_account": unit_account, "employer_name": employer_name, "year": year, "headcount": len(rows),
            "changed": sum(1 for r in rows if r["new_base"] != r["old_base"]),
            "old_employer_rate": old_rates[0], "old_employee_rate": old_rates[1],
            "employer_rate": employer_rate, "employee_rate": employee_rate, "clerk_name": clerk_name,
            "task_id": task.task_id, "seq": 1}, rows, centre_today(self.config))
        task.start()
        task.seq = 1
        store.add_snapshot(self.db, task.snapshot())
        answer = {"task_id": task.task_id, "annual_no": record.annual_no}
        self.db.commit()
        self._send_outbox()
        try:
            self._apply_annual(unit_account, year)
        except Exception:  # recorded and shown 办理中: the sweep carries it on
            self.db.rollback()
            log.exception("年度核定 %s 暂未完成，将由定时任务继续", answer["annual_no"])
        return answer

    def _apply_annual(self, unit_account, year):
        """New bases to the accounts service, rates to the employer service, then 已核定. Each step
        leaves alone what is already as asked, so running it again after a crash does it once."""
        record = annual.annual(self.db, unit_account, year)
        if record is None or record.status != annual.APPLYING:
            return
        number, clerk_name = record.annual_no, record.clerk_name
        rates = (record.employer_rate, record.employee_rate)
        rates_change = rates != (record.old_employer_rate, record.old_employee_rate)
        changes = [[a, money_str(new)] for a, _, _, old, new, _ in annual.rows_of(self.db, record.id) if new != old]
        self.db.rollback()  # nothing held here while the other services work
        updated = self.accounts.apply_annual_bases(unit_account, {"reference": number, "clerk_name": clerk_name,
                                                                  "rows": changes})["updated"]
        version = None
        if rates_change:
            try:
                self.employer.annual_rate_change(unit_account, {
                    "employer_rate": str(rates[0]), "employee_rate": str(rates[1]), "year": year}, clerk_name)
            except BusinessError as exc:
                if exc.code != "NO_CHANGE":  # NO_CHANGE: a run before this one changed them
                    raise
            version = EmployerRegisteredSchema().load(self.employer.get_employer(unit_account))["employer_version"]
        record = annual.annual(self.db, unit_account, year, lock=True)
        if record.status != annual.APPLYING:
            return
        if rates_change:  # from July of the year, whenever the employer's event is heard
            store.set_rate_period(self.db, unit_account, f"{year}07", rates[0], rates[1], version)
        record.status, record.done_at, record.seq = annual.DONE, annual.now(), record.seq + 1
        task = Task(record.task_id, unit_account, self.name, ANNUAL_KIND, title=ANNUAL_TITLE,
                    total=record.headcount, submitted_by=clerk_name, seq=record.seq)
        task.status, task.done, task.finished_at = SUCCEEDED, record.headcount, now_iso()
        task.started_at = record.submitted_at.isoformat(timespec="seconds")
        rates_text = (f"，缴存比例自{year}年7月起调整为单位{percent(rates[0])}%、个人{percent(rates[1])}%"
                      if rates_change else "")
        task.message = (f"{year}年度缴存基数核定{number}已完成，共{record.headcount}人，基数调整{record.changed}人"
                        f"{rates_text}，可以办理{year}年7月汇缴")
        store.add_snapshot(self.db, task.snapshot())
        self.db.commit()
        log.info("annual %s done: %d members, %d bases updated", number, record.headcount, updated)
        self._send_outbox()

    def _resume_annuals(self):
        """Annual verifications left 办理中 by a crash (or a service that did not answer) go on."""
        before = annual.now() - timedelta(seconds=int(self.config["CONTRIBUTIONS"]["annual_resume_seconds"]))
        stale = [(r.unit_account, r.year) for r in annual.applying_before(self.db, before)]
        self.db.commit()
        for unit_account, year in stale:
            try:
                self._apply_annual(unit_account, year)
            except Exception:
                self.db.rollback()
                log.exception("年度核定 %s %s 暂未完成，将再次尝试", unit_account, year)

    # ---------- F11.2 query ----------

    @rpc(expected_exceptions=BusinessError)
    def list_annuals(self, unit_account, query=None):
        query = load(DateRangeSchema(), query or {})
        return AnnualOutSchema(many=True).dump(annual.annuals(self.db, unit_account, query["start"], query["end"]))

    def _annual_record(self, unit_account, year):
        record = annual.annual(self.db, unit_account, checked_year(year))
        if record is None:
            raise not_found("年度核定")
        return record

    @rpc(expected_exceptions=BusinessError)
    def annual_roster_file(self, unit_account, year):
        record = self._annual_record(unit_account, year)
        lines = annual.roster_lines(annual.rows_of(self.db, record.id))
        data = tpool.execute(write_rows, "年度核定清册", ROSTER_HEADERS, lines)
        return file_payload(f"年度核定清册_{record.annual_no}.xlsx", XLSX, data)

    @rpc(expected_exceptions=BusinessError)
    def annual_voucher(self, unit_account, year):
        record = self._annual_record(unit_account, year)
        lines = [line[1:7] for line in annual.roster_lines(annual.rows_of(self.db, record.id))]
        code, pdf = tpool.execute(
            centre_voucher, self.config, VOUCHER_KIND, business_type=f"{record.year}年度缴存基数核定",
            number=record.annual_no, business_date=record.business_date.isoformat(),
            employer_name=record.employer_name, unit_account=record.unit_account,
            columns=["个人账号", "姓名", "证件号码", "原缴存基数", "新缴存基数", "基数变化"], rows=lines,
            totals=[("核定人数", str(record.headcount)), ("基数调整人数", str(record.changed)),
                    ("单位缴存比例", f"{record.old_employer_rate} → {record.employer_rate}"),
                    ("个人缴存比例", f"{record.old_employee_rate} → {record.employee_rate}"),
                    ("起用月份", f"{record.year}年7月"), ("状态", annual.STATUS_NAMES[record.status]),
                    ("经办人", record.clerk_name)])
        return file_payload(f"年度核定_{record.annual_no}.pdf", PDF, pdf, verification_code=code)


def annual_pending(db, unit_account, month, first_month):
    """For the July rules: is `month` a July whose annual verification is owed and not yet done?"""
    if not rules.annual_verification_owed(month, first_month):
        return False
    return annual.years(db, unit_account).get(hpf_year_of_month(month)) != annual.DONE
