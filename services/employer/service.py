"""Employer service: employers, clerks, the change log, shortcuts, messages and consultations."""
import logging
import uuid
from datetime import datetime, timezone

import eventlet
from eventlet import tpool
from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.events import EventDispatcher
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService
from nameko.messaging import consume
from nameko.rpc import RpcProxy, rpc
from sqlalchemy.exc import IntegrityError

from services.employer import rules, store
from services.employer.functions import BY_ID as FUNCTIONS
from services.employer.models import Consultation
from services.employer.schemas import (
    AnnualRateChangeSchema, CentreConsultationSchema, ChangeEmployerSchema, ChangeOutSchema, ConsultationInSchema,
    ConsultationOutSchema, ConsultationQuerySchema, CounterChangeSchema,
    EmployerOutSchema, EmployerRegisteredSchema, HomeStatsSchema, MarkReadSchema, MessageQuerySchema,
    MessagesOutSchema, NoticeSchema, RegisterEmployerSchema, ReplySchema, ShortcutsInSchema,
    ShortcutsOutSchema, employer_out)
from shared.clock import centre_today
from shared.downloads import PDF, file_payload
from shared.db import Database, atomic
from shared.errors import BusinessError, conflict, not_found, record_id, validation_error
from shared.pdf import centre_voucher
from shared.schemas import ClerkIdentitySchema, DateRangeSchema, load
from shared.tasks import FINAL_STATUSES, STATUS_NAMES, TaskSnapshotSchema, task_queue
from shared.timers import timer

log = logging.getLogger(__name__)

VOUCHER_KIND = "employer_change"
OUTBOX_SWEEP_SECONDS = 30
# built once: a marshmallow schema's construction (copying its declared fields) costs more than a dump
EMPLOYER_OUT = EmployerOutSchema()


class EmployerService:
    name = "employer"

    db = Database()
    config = Config()
    dispatch = EventDispatcher()
    contributions = RpcProxy("contributions")
    accounts = RpcProxy("accounts")

    @rpc
    def ping(self):
        return "ok"

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def register_employer(self, data):
        """Centre side (counter): register an employer and its clerks."""
        data = load(RegisterEmployerSchema(), data)
        rules.check_distinct_clerks(data["clerks"])  # else the unique index would say "already registered"
        rules.check_rates(data["employer_rate"], data["employee_rate"],
                          self.contributions.get_policy())
        if store.employer_by_credit_code(self.db, data["credit_code"]) is not None:
            raise conflict("EMPLOYER_EXISTS", "该统一社会信用代码的单位已登记")
        try:
            employer = store.add_employer(self.db, data, self.config["CENTRE"]["unit_account_prefix"],
                                          centre_today(self.config))
        except IntegrityError:
            self.db.rollback()
            raise conflict("EMPLOYER_EXISTS", "该统一社会信用代码的单位已登记") from None
        result = EmployerOutSchema().dump(employer)
        store.add_event(self.db, "employer_registered", EmployerRegisteredSchema().dump(employer))
        self.db.commit()  # the employer and its event in one transaction
        self._send_events()
        return result

    @rpc(expected_exceptions=BusinessError)
    def get_employer(self, unit_account):
        employer = store.employer_view(self.db, unit_account)
        if employer is None:
            raise not_found("单位")
        return employer_out(employer)

    @rpc(expected_exceptions=BusinessError)
    def find_employer_by_credit_code(self, credit_code):
        """Centre side: the employer registered under a credit code, or None."""
        employer = store.employer_by_credit_code(self.db, str(credit_code).strip().upper())
        return None if employer is None else EMPLOYER_OUT.dump(employer)

    @rpc(expected_exceptions=BusinessError)
    def get_employer_for_auth(self, unit_account):
        """Internal to auth: what the password rules need, unmasked."""
        employer = store.employer_view(self.db, unit_account)
        if employer is None:
            raise not_found("单位")
        return {"unit_account": employer.unit_account, "name": employer.name,
                "clerk_id_numbers": [clerk.id_number for clerk in employer.clerks]}

    @rpc(expected_exceptions=BusinessError)
    def verify_clerk(self, identity):
        """The clerk id when every identity field matches a clerk of that employer, else None."""
        identity = load(ClerkIdentitySchema(), identity)
        employer = store.employer_view(self.db, identity["unit_account"])
        if employer is None or employer.name != identity["unit_name"]:
            return None
        for clerk in employer.clerks:
            if rules.clerk_matches(clerk, name=identity["clerk_name"],
                                   id_number=identity["clerk_id_number"],
                                   mobile=identity["clerk_mobile"]):
                return {"clerk_id": clerk.id, "clerk_name": clerk.name, "mobile": clerk.mobile,
                        "unit_account": employer.unit_account}
        return None

    def _employer(self, unit_account, lock=False):
        employer = store.employer_by_unit_account(self.db, unit_account, lock)
        if employer is None:
            raise not_found("单位")
        return employer

    def _clerk(self, employer, clerk_id):
        clerk = store.clerk_of(employer, clerk_id)
        if clerk is None:
            raise not_found("经办人")
        return clerk

    # ---------- F6.1 information changes, F6.2 change records ----------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def update_employer(self, unit_account, clerk_id, data):
        """F6.1 online: address, postal code, bank, legal person; name, clerks and rates go to the counter."""
        if isinstance(data, dict):
            rules.refuse_counter_fields(data)
        data = load(ChangeEmployerSchema(), data)
        employer = self._employer(unit_account, lock=True)
        clerk = self._clerk(employer, clerk_id)
        return self._change(employer, data, rules.ONLINE, clerk.name)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def counter_change_employer(self, unit_account, data, operator):
        """Centre side (counter): any field, the unit name, clerks and rates included."""
        data = load(CounterChangeSchema(), data)
        operator = str(operator or "").strip()[:50] or rules.COUNTER
        employer = self._employer(unit_account, lock=True)
        rules.check_distinct_clerks(data.get("clerks", ()))
        rates = rules.rates_after(employer, data)
        if rates:
            rules.check_rates(*rates, self.contributions.get_policy())
        return self._change(employer, data, rules.COUNTER, operator)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def annual_rate_change(self, unit_account, data, clerk_name):
        """For contributions (F11.1, 调整缴存比例): the rates an annual verification sets, within that
        year's range; recorded as a change of the employer (channel 年度核定), heard as any other."""
        data = load(AnnualRateChangeSchema(), data)
        employer = self._employer(unit_account, lock=True)
        rates = {"employer_rate": data["employer_rate"], "employee_rate": data["employee_rate"]}
        rules.check_rates(*rates.values(), self.contributions.get_policy(year=data["year"]))
        return self._change(employer, rates, rules.ANNUAL, str(clerk_name or "")[:50] or rules.ANNUAL)

    def _change(self, employer, data, channel, clerk_name):
        items = rules.change_items(store.current_values(employer), data)
        change = store.apply_change(self.db, employer, data, items, channel, clerk_name,
                                    centre_today(self.config))
        result = ChangeOutSchema().dump(change)
        store.add_event(self.db, "employer_changed",
                        rules.changed_event(employer.unit_account, change.number, channel, items))
        self.db.commit()
        self._send_events()
        return result

    def _send_events(self):
        """Send what the outbox holds, oldest first, so that subscribers hear of changes in order.
        If the broker fails now, the change stands and the sweep sends its event later."""
        try:
            events = store.unsent_events(self.db)
            for event in events:
                self.dispatch(event.event_type, event.payload)
            store.mark_sent(self.db, events)
            self.db.commit()
        except Exception:  # the caller's change is committed; only its event waits for the sweep
            self.db.rollback()
            log.exception("事件暂未发出，将由定时任务重发")

    @timer(interval=OUTBOX_SWEEP_SECONDS, eager=True)
    def send_unsent_events(self):
        """Events a crash or a broker failure left in the outbox."""
        self._send_events()

    @rpc(expected_exceptions=BusinessError)
    def list_changes(self, unit_account, query=None):
        """F6.2: the employer's change records in a date range, newest first."""
        query = load(DateRangeSchema(), query or {})
        employer = self._employer(unit_account)
        return ChangeOutSchema(many=True).dump(
            store.changes_of(self.db, employer.id, query["start"], query["end"]))

    @rpc(expected_exceptions=BusinessError)
    def change_voucher(self, unit_account, change_id):
        """F6.2: the voucher (PDF, base64) of one of the employer's changes."""
        employer = self._employer(unit_account)
        change = store.change_of(self.db, employer.id, record_id(change_id, "变更记录"))
        if change is None:
            raise not_found("变更记录")
        code, pdf = tpool.execute(
            centre_voucher, self.config, VOUCHER_KIND, business_type="单位信息变更",
            number=change.number, business_date=change.business_date.isoformat(),
            employer_name=employer.name, unit_account=employer.unit_account,
            columns=["变更项目", "变更前", "变更后"],
            rows=[[i["label"], i["old"], i["new"]] for i in rules.display_items(change.items)],
            totals=[("办理渠道", change.channel), ("经办人", change.clerk_name)])
        return file_payload(f"{change.number}.pdf", PDF, pdf, verification_code=code)

    # ---------- F2.1 home: shortcuts, statistics ----------

    @rpc(expected_exceptions=BusinessError)
    def get_shortcuts(self, unit_account, clerk_id):
        clerk = self._clerk(self._employer(unit_account), clerk_id)
        return self._shortcuts(clerk.id)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def set_shortcuts(self, unit_account, clerk_id, data):
        """The clerk's whole list of shortcuts (add and remove are both a new list)."""
        data = load(ShortcutsInSchema(), data)
        rules.check_shortcuts(data["function_ids"], FUNCTIONS)
        clerk = self._clerk(self._employer(unit_account, lock=True), clerk_id)
        store.set_shortcuts(self.db, clerk.id, data["function_ids"])
        return self._shortcuts(clerk.id)

    def _shortcuts(self, clerk_id):
        chosen = store.shortcuts_of(self.db, clerk_id)
        return ShortcutsOutSchema().dump({
            "shortcuts": [FUNCTIONS[fid] for fid in chosen if fid in FUNCTIONS],
            "available": [f for fid, f in FUNCTIONS.items() if fid not in chosen],
            "max": rules.MAX_SHORTCUTS})

    @rpc(expected_exceptions=BusinessError)
    def home_stats(self, unit_account):
        """缴存统计: headcount by status from accounts; monthly amounts once contributions has them."""
        employer = self._employer(unit_account)
        return HomeStatsSchema().dump({"unit_account": employer.unit_account,
                                       "headcount": self._headcount(employer.unit_account),
                                       "monthly": self._monthly(employer.unit_account)})

    def _monthly(self, unit_account):
        """缴至月份 and the monthly amounts of the last posted months, from contributions, with a timeout."""
        try:
            with eventlet.Timeout(float(self.config["EMPLOYER"]["stats_timeout_seconds"])):
                stats = self.contributions.remittance_stats(unit_account)
        except (eventlet.Timeout, UnknownService, MethodNotFound, RemoteError, BusinessError) as exc:
            log.warning("remittance stats unavailable for %s: %s", unit_account, type(exc).__name__)
            return {"available": False, "paid_up_to": None, "items": [],
                    "message": "缴存数据暂时无法获取，请稍后刷新"}
        return {"available": True, "paid_up_to": stats["paid_up_to"], "items": stats["months"],
                "message": None if stats["months"] else "暂无缴存记录"}

    def _headcount(self, unit_account):
        try:
            with eventlet.Timeout(float(self.config["EMPLOYER"]["stats_timeout_seconds"])):
                counts = self.accounts.member_counts(unit_account)
        except (eventlet.Timeout, UnknownService, MethodNotFound, RemoteError, BusinessError) as exc:
            log.warning("member counts unavailable for %s: %s", unit_account, type(exc).__name__)
            return {"available": False, "message": "职工人数暂时无法获取，请稍后刷新",
                    "total": None, "by_status": []}
        return {"available": True, "total": counts["total"], "by_status": counts["by_status"]}

    # ---------- F2.1 message centre ----------

    @rpc(expected_exceptions=BusinessError)
    def list_messages(self, unit_account, query=None):
        query = load(MessageQuerySchema(), query or {})
        employer = self._employer(unit_account)
        total, items = store.messages_of(self.db, employer.id, **query)
        unread = store.unread_by_kind(self.db, employer.id)
        return MessagesOutSchema().dump({
            "unread": sum(unread.values()), "total": total, "items": items,
            "unread_by_kind": {kind: unread.get(kind, 0) for kind in rules.MESSAGE_KINDS}})

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def mark_messages_read(self, unit_account, data):
        """Mark the given messages (or all) read; another employer's ids change nothing."""
        data = load(MarkReadSchema(), data)
        if not data["all"] and not data["ids"]:
            raise validation_error([{"field": "ids", "message": "请选择要标为已读的消息"}])
        employer = self._employer(unit_account)
        marked = store.mark_read(self.db, employer.id, None if data["all"] else data["ids"])
        return {"marked": marked, "unread": sum(store.unread_by_kind(self.db, employer.id).values())}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def send_notice(self, data):
        """Centre side: a notice to the named employers, or to every employer."""
        data = load(NoticeSchema(), data)
        named = sorted(set(data["unit_accounts"])) or None
        employers = store.employer_ids(self.db, named)
        missing = sorted(set(named or ()) - set(employers))
        if missing:
            raise BusinessError("NOT_FOUND", "以下单位账号不存在：" + "、".join(missing),
                                [{"field": "unit_accounts", "message": ua} for ua in missing], 404)
        notice_id = uuid.uuid4().hex[:12]
        sent = store.add_messages(self.db, [
            {"employer_id": employer_id, "kind": rules.NOTICE, "source_key": f"notice:{notice_id}",
             "title": data["title"], "body": data["content"], "ref": {"notice_id": notice_id}}
            for employer_id in employers.values()])
        return {"notice_id": notice_id, "recipients": sent}

    @consume(task_queue("employer"), requeue_on_error=True)
    @atomic
    def on_task_changed(self, payload):
        """A finished task of an employer leaves one message, however often its snapshot arrives."""
        try:
            snapshot = TaskSnapshotSchema().load(payload)
        except ValidationError as exc:
            log.warning("ignored malformed task snapshot: %s", exc.messages)
            return
        if snapshot["status"] not in FINAL_STATUSES:
            return
        employers = store.employer_ids(self.db, [snapshot["employer_id"]])
        if not employers:
            log.warning("task %s names unknown employer %s", snapshot["task_id"], snapshot["employer_id"])
            return
        title, body = rules.task_message(snapshot, STATUS_NAMES[snapshot["status"]])
        store.add_messages(self.db, [{
            "employer_id": employers[snapshot["employer_id"]], "kind": rules.TASK,
            "source_key": f"task:{snapshot['task_id']}", "title": title, "body": body,
            "ref": {"task_id": snapshot["task_id"], "status": snapshot["status"]}}])

    # ---------- F17.1 consultations ----------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def submit_consultation(self, unit_account, clerk_id, data):
        data = load(ConsultationInSchema(), data)
        employer = self._employer(unit_account)
        clerk = self._clerk(employer, clerk_id)
        consultation = Consultation(employer_id=employer.id, clerk_name=clerk.name, status=rules.PENDING,
                                    submitted_at=datetime.now(timezone.utc), **data)
        self.db.add(consultation)
        self.db.flush()
        return ConsultationOutSchema().dump(consultation)

    @rpc(expected_exceptions=BusinessError)
    def list_consultations(self, unit_account, query=None):
        query = load(ConsultationQuerySchema(), query or {})
        employer = self._employer(unit_account)
        return ConsultationOutSchema(many=True).dump(
            store.consultations_of(self.db, employer.id, query["status"]))

    @rpc(expected_exceptions=BusinessError)
    def pending_consultations(self):
        """Centre side: consultations waiting for a reply, oldest first."""
        return CentreConsultationSchema(many=True).dump(store.pending_consultations(self.db))

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def reply_consultation(self, consultation_id, data):
        """Centre side: answer a consultation; the reply reaches the employer's message centre."""
        data = load(ReplySchema(), data)
        consultation = store.consultation_for_update(self.db, record_id(consultation_id, "咨询"))
        if consultation is None:
            raise not_found("咨询")
        if consultation.status == rules.REPLIED:
            raise conflict("ALREADY_REPLIED", "该咨询已答复，不能重复答复")
        consultation.reply, consultation.replied_by = data["reply"], data["replied_by"]
        consultation.replied_at = datetime.now(timezone.utc)
        consultation.status = rules.REPLIED
        title, body = rules.consultation_reply_message(consultation.type, consultation.content, data["reply"])
        store.add_messages(self.db, [{
            "employer_id": consultation.employer_id, "kind": rules.CONSULTATION,
            "source_key": f"consultation:{consultation.id}", "title": title, "body": body,
            "ref": {"consultation_id": consultation.id}}])
        return CentreConsultationSchema().dump(consultation)
