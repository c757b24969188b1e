"""Auth service: credentials, captchas, SMS codes, lockouts and sessions. The gateway only checks tokens."""
import base64
import uuid
from datetime import datetime, timedelta, timezone

from nameko.dependency_providers import Config
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc

from services.auth import challenges, passwords, rules, store
from services.auth.models import Captcha, Credential, LoginSession, SmsCode
from services.auth.schemas import (
    CaptchaOutSchema, ChangePasswordSchema, IdentitySchema, LoginSchema, PasswordResetSchema)
from shared.clock import centre_zone
from shared.config import is_dev
from shared.db import Database, atomic
from shared.errors import BusinessError, not_found
from shared.identity import mask_mobile
from shared.schemas import ClerkIdentitySchema, load
from shared.timers import timer
from shared.tokens import SigningSecret, issue_token

LOGIN_FAILED = "登录信息有误，请核对单位账号、经办人信息和密码"
IDENTITY_FAILED = "身份信息有误，请核对单位账号和经办人信息"
CAPTCHA_FAILED = "验证码错误或已失效，请刷新后重新输入"
SMS_CODE_FAILED = "短信验证码错误或已失效，请重新获取"
IDENTITY_FIELDS = tuple(ClerkIdentitySchema().fields)
PURGE_SECONDS = 60


def _now():
    return datetime.now(timezone.utc)


def _source(source):
    """The caller's address as stored (at most 45 characters), or None."""
    return source and str(source)[:45]


def _clerk_key(unit_account, clerk_id_number):
    return f"{unit_account}|{clerk_id_number}"


class AuthService:
    name = "auth"

    db = Database()
    config = Config()
    secret = SigningSecret()
    employer = RpcProxy("employer")
    dispatch = EventDispatcher()

    @property
    def policy(self):
        return self.config["AUTH"]

    def _hasher(self):
        params = self.policy["argon2"]
        return passwords.hasher(int(params["time_cost"]), int(params["memory_cost"]),
                                int(params["parallelism"]))

    @rpc
    def ping(self):
        return "ok"

    # -- captcha -------------------------------------------------------------------------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def new_captcha(self):
        """A fresh image captcha; only its keyed digest is kept."""
        now, policy = _now(), self.policy["captcha"]
        answer = challenges.new_captcha_answer(int(policy["min_length"]), int(policy["max_length"]))
        captcha = Captcha(id=uuid.uuid4().hex, answer_hash=challenges.digest(self.secret, answer),
                          expires_at=now + timedelta(seconds=int(policy["ttl_seconds"])))
        self.db.add(captcha)
        self.db.commit()
        if is_dev(self.config):  # for `hpf dev captcha`; never in production
            self.dispatch("dev_captcha_issued", {"captcha_id": captcha.id, "answer": answer})
        return CaptchaOutSchema().dump({
            "captcha_id": captcha.id, "expires_at": captcha.expires_at.isoformat(),
            "image_png_base64": base64.b64encode(challenges.captcha_png(answer)).decode()})

    @timer(interval=PURGE_SECONDS)
    @atomic
    def purge_expired(self):
        """Expired captchas and sessions go in the background, not on each anonymous request."""
        store.purge_expired(self.db, _now())

    def _take_captcha(self, data, source, now, kind):
        """Each captcha answers once, right or wrong, whatever fails later; a wrong one counts against the address."""
        stored = store.take_captcha(self.db, data["captcha_id"], now)
        self.db.commit()
        if stored is None or not challenges.matches(
                self.secret, rules.normalise_answer(data["captcha_answer"]), stored):
            self._count_address_failure(source, now)
            self._audit(now, kind, data, source, detail="验证码错误或已失效")
            self.db.commit()
            raise BusinessError("CAPTCHA_INVALID", CAPTCHA_FAILED)

    def _verify_clerk(self, data):
        """The clerk when every identity field matches one of the employer's, else None."""
        return self.employer.verify_clerk({key: data[key] for key in IDENTITY_FIELDS})

    # -- throttling and audit ------------------------------------------------------------

    def _check_address(self, source, now):
        if source:
            until = rules.blocked_until(store.peek_counter(self.db, "address", source), now)
            if until:
                raise rules.throttled_error(until, centre_zone(self.config))

    def _count_address_failure(self, source, now):
        if source:
            rules.record_failure(store.counter(self.db, "address", source, now),
                                 rules.Limit.from_config(self.policy["address_throttle"]), now)

    def _audit(self, now, kind, data, source, clerk_id=None, detail=None):
        store.audit(self.db, now, kind, unit_account=data.get("unit_account"),
                    clerk_id=clerk_id, clerk_id_number=data.get("clerk_id_number"),
                    source=source, detail=detail)

    # -- login ---------------------------------------------------------------------------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def login(self, data, source=None):
        """F1.1: every identity field, the password and the captcha must match (`source`: the caller's address)."""
        data = load(LoginSchema(), data)
        now = _now()
        source = _source(source)
        self._check_address(source, now)
        self._take_captcha(data, source, now, "login_failed")
        clerk_key = _clerk_key(data["unit_account"], data["clerk_id_number"])
        # the attempt is counted before the password is checked, under the counter's row lock:
        # parallel attempts cannot check more passwords than the lockout allows
        counter = store.counter(self.db, "clerk", clerk_key, now)
        locked_until = rules.blocked_until(counter, now)
        if locked_until:
            self._audit(now, "login_refused_locked", data, source)
            self.db.commit()
            raise rules.locked_error(locked_until, centre_zone(self.config))
        locked_until = rules.record_failure(counter, rules.Limit.from_config(self.policy["lockout"]), now)
        self.db.commit()
        clerk = self._verify_clerk(data)
        credential = self.db.get(Credential, data["unit_account"])
        ph = self._hasher()
        # the password is verified (against a dummy hash if need be) whatever else was wrong
        password_ok = passwords.verify_password(ph, credential.password_hash if credential else None,
                                                data["password"])
        if not (password_ok and clerk is not None):
            self._login_failed(data, source, now, locked_until)
        store.clear_counter(self.db, "clerk", clerk_key)
        if passwords.needs_rehash(ph, credential.password_hash):
            credential.password_hash = passwords.hash_password(ph, data["password"])
        token, claims = issue_token(self.secret, employer_id=credential.unit_account,
                                    clerk_id=clerk["clerk_id"], minutes=int(self.policy["session_minutes"]),
                                    must_change_password=credential.must_change, now=now)
        expires_at = datetime.fromtimestamp(claims["exp"], timezone.utc)
        self.db.add(LoginSession(jti=claims["jti"], unit_account=credential.unit_account,
                                 clerk_id=clerk["clerk_id"], issued_at=now, expires_at=expires_at))
        self._audit(now, "login_succeeded", data, source, clerk_id=clerk["clerk_id"])
        return {"token": token, "expires_at": expires_at.isoformat(),
                "must_change_password": credential.must_change}

    def _login_failed(self, data, source, now, locked_until):
        """The failure (already counted for the clerk: the fifth in a row locks it) counts for the address."""
        self._count_address_failure(source, now)
        self._audit(now, "login_failed", data, source, detail="登录信息不符")
        if locked_until:
            self._audit(now, "account_locked", data, source, detail=f"锁定至{rules.clock(locked_until, centre_zone(self.config))}")
        self.db.commit()
        self.dispatch("login_failed", {"unit_account": data["unit_account"], "source": source,
                                       "at": now.isoformat(),
                                       "locked_until": locked_until and locked_until.isoformat()})
        if locked_until:
            raise rules.locked_error(locked_until, centre_zone(self.config))
        raise BusinessError("LOGIN_FAILED", LOGIN_FAILED, status=401)

    # -- passwords -----------------------------------------------------------------------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def issue_initial_password(self, unit_account):
        """Centre side: a new initial password, to be changed at first login. Shown once.

        It also ends the unit's sessions and lifts its clerks' lockouts (the counter's reset)."""
        try:
            self.employer.get_employer(unit_account)
        except BusinessError:
            raise not_found("单位") from None
        now = _now()
        password = passwords.generate_initial_password(int(self.policy["initial_password_length"]))
        store.clear_unit_counters(self.db, unit_account)
        self._set_password(now, unit_account, password, True, "initial_password_issued")
        return {"unit_account": unit_account, "initial_password": password}

    def _check_new_password(self, unit_account, password):
        employer = self.employer.get_employer_for_auth(unit_account)
        rules.check_new_password(password, unit_account=unit_account, id_numbers=employer["clerk_id_numbers"],
                                 min_length=int(self.policy["password_min_length"]),
                                 max_length=int(self.policy["password_max_length"]))

    def _set_password(self, now, unit_account, password, must_change, kind, **audit):
        """Store the unit's password; every session of the unit ends (`kind` in the audit)."""
        credential = self.db.get(Credential, unit_account) or Credential(unit_account=unit_account)
        credential.password_hash = passwords.hash_password(self._hasher(), password)
        credential.must_change = must_change
        credential.updated_at = now
        self.db.add(credential)
        self._end_sessions(now, unit_account, kind, **audit)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def change_password(self, unit_account, clerk_id, data, source=None):
        """The logged-in clerk changes the unit's password (also the forced first change).

        Every session of the unit ends: its clerks log in again with the new password."""
        data = load(ChangePasswordSchema(), data)
        credential = self.db.get(Credential, unit_account)
        if credential is None or not passwords.verify_password(self._hasher(), credential.password_hash,
                                                               data["old_password"]):
            raise BusinessError("WRONG_PASSWORD", "原密码不正确")
        if data["new_password"] == data["old_password"]:
            raise BusinessError("WEAK_PASSWORD", "新密码不能与原密码相同")
        self._check_new_password(unit_account, data["new_password"])
        self._set_password(_now(), unit_account, data["new_password"], False, "password_changed",
                           clerk_id=int(clerk_id), source=source)

    # -- password reset by SMS (F1.2) ----------------------------------------------------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def request_sms_code(self, data, source=None):
        """Identity + captcha → a 6-digit code to the clerk's registered mobile (as an event)."""
        data = load(IdentitySchema(), data)
        now, policy = _now(), self.policy["sms"]
        source = _source(source)
        self._check_address(source, now)
        self._take_captcha(data, source, now, "sms_code_refused")
        clerk = self._verify_clerk(data)
        if clerk is None:
            self._count_address_failure(source, now)
            self._audit(now, "sms_code_refused", data, source, detail="身份信息不符")
            self.db.commit()
            raise BusinessError("IDENTITY_MISMATCH", IDENTITY_FAILED)
        unit_account, id_number = clerk["unit_account"], data["clerk_id_number"]
        code = challenges.new_sms_code()
        sent = {"clerk_id": clerk["clerk_id"], "mobile": clerk["mobile"],  # the registered mobile only
                "code_hash": challenges.digest(self.secret, code), "sent_at": now, "failed_tries": 0,
                "expires_at": now + timedelta(seconds=int(policy["ttl_seconds"]))}
        row, created = store.locked_row(self.db, SmsCode, {"unit_account": unit_account,
                                                           "clerk_id_number": id_number}, **sent)
        if not created:
            rules.check_resend(row.sent_at, now, int(policy["resend_seconds"]))
        for field, value in sent.items():
            setattr(row, field, value)
        self._audit(now, "sms_code_sent", data, source, clerk_id=clerk["clerk_id"])
        self.db.commit()
        self.dispatch("sms_code_requested", {
            "mobile": clerk["mobile"], "code": code, "purpose": "password_reset",
            "unit_account": unit_account, "clerk_name": clerk["clerk_name"],
            "expires_at": row.expires_at.isoformat()})
        return {"mobile": mask_mobile(clerk["mobile"]), "expires_at": row.expires_at.isoformat(),
                "resend_after_seconds": int(policy["resend_seconds"])}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def reset_password(self, data, source=None):
        """SMS code → new password; the code allows a few tries, then a new one is needed."""
        data = load(PasswordResetSchema(), data)
        now = _now()
        source = _source(source)
        self._check_address(source, now)
        unit_account, id_number = data["unit_account"], data["clerk_id_number"]
        row = self.db.get(SmsCode, (unit_account, id_number), with_for_update=True)
        if not (row is not None and row.expires_at > now and row.mobile == data["clerk_mobile"]
                and challenges.matches(self.secret, data["sms_code"].strip(), row.code_hash)):
            if row is not None:
                row.failed_tries += 1
                if row.failed_tries >= int(self.policy["sms"]["max_tries"]):
                    self.db.delete(row)
            self._count_address_failure(source, now)
            self._audit(now, "password_reset_failed", data, source, detail="短信验证码不符")
            self.db.commit()
            raise BusinessError("SMS_CODE_INVALID", SMS_CODE_FAILED)
        self._check_new_password(unit_account, data["new_password"])
        self.db.delete(row)
        store.clear_counter(self.db, "clerk", _clerk_key(unit_account, id_number))
        self._set_password(now, unit_account, data["new_password"], False, "password_reset",
                           clerk_id=row.clerk_id, clerk_id_number=id_number, source=source)

    # -- sessions ------------------------------------------------------------------------

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def logout(self, unit_account, clerk_id, jti, source=None):
        now = _now()
        revoked = store.revoke_sessions(self.db, now, jti=jti)
        store.audit(self.db, now, "logout", unit_account=unit_account, clerk_id=int(clerk_id), source=source)
        self.db.commit()
        self._announce_revoked(revoked)

    @event_handler("employer", "employer_changed")
    @atomic
    def on_employer_changed(self, payload):
        """A clerk removed or changed at the counter keeps no working token: the unit's sessions end."""
        if "clerks" in payload["fields"]:
            self._end_sessions(_now(), payload["unit_account"], "clerks_changed",
                               detail=f"经办人变更 {payload['number']}")

    def _end_sessions(self, now, unit_account, kind, **audit):
        """Every session of the unit ends, recorded as `kind`; every gateway hears of it."""
        revoked = store.revoke_sessions(self.db, now, unit_account=unit_account)
        store.audit(self.db, now, kind, unit_account=unit_account, **audit)
        self.db.commit()
        self._announce_revoked(revoked)

    def _announce_revoked(self, revoked):
        """Every gateway replica hears it (a broadcast handler) and refuses those tokens."""
        if revoked:
            self.dispatch("session_revoked", {"sessions": revoked})

    @rpc
    def revoked_sessions(self):
        """Revoked sessions not yet expired: what a gateway loads when it starts."""
        return store.revoked_sessions(self.db, _now())

    @rpc
    def audit_log(self, unit_account, limit=100):
        """Centre side: the unit's latest security events, newest first."""
        return [{"at": event.at.isoformat(), "kind": event.kind, "unit_account": event.unit_account,
                 "clerk_id": event.clerk_id, "clerk_id_number": event.clerk_id_number,
                 "source": event.source, "detail": event.detail}
                for event in store.audit_events(self.db, unit_account, min(int(limit), 1000))]
