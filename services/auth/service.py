"""Auth service: credentials and sessions. The gateway only checks the tokens it signs."""
from datetime import datetime, timezone

from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy, rpc

from services.auth import passwords, rules
from services.auth.models import Credential
from services.auth.schemas import ChangePasswordSchema, LoginSchema
from shared.db import Database, atomic
from shared.errors import BusinessError, not_found
from shared.schemas import load
from shared.tokens import check_secret, issue_token

LOGIN_FAILED = "登录信息有误，请核对单位账号、经办人信息和密码"


class AuthService:
    name = "auth"

    db = Database()
    config = Config()
    employer = RpcProxy("employer")

    def _auth_config(self):
        auth = self.config["AUTH"]
        check_secret(auth["jwt_secret"], self.config.get("HPF_MODE", "dev"))
        return auth

    @rpc
    def ping(self):
        return "ok"

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def issue_initial_password(self, unit_account):
        """Centre side: a new initial password, to be changed at first login. Shown once."""
        try:
            self.employer.get_employer(unit_account)
        except BusinessError:
            raise not_found("单位") from None
        password = passwords.generate_initial_password(self._auth_config()["initial_password_length"])
        self._store_password(unit_account, password, must_change=True)
        return {"unit_account": unit_account, "initial_password": password}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def dev_set_password(self, unit_account, password):
        """Development only (the demo login of `make run`); production refuses it."""
        if self.config.get("HPF_MODE") != "dev":
            raise BusinessError("DEV_ONLY", "仅开发模式可用", status=403)
        self._store_password(unit_account, password, must_change=False)

    def _store_password(self, unit_account, password, must_change):
        credential = self.db.get(Credential, unit_account) or Credential(unit_account=unit_account)
        credential.password_hash = passwords.hash_password(password)
        credential.must_change = must_change
        credential.updated_at = datetime.now(timezone.utc)
        self.db.add(credential)

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def login(self, data):
        data = load(LoginSchema(), data)
        auth = self._auth_config()
        clerk = self.employer.verify_clerk({key: data[key] for key in (
            "unit_account", "unit_name", "clerk_name", "clerk_id_number", "clerk_mobile")})
        credential = self.db.get(Credential, data["unit_account"].strip()) if clerk else None
        stored_hash = credential.password_hash if credential else None
        if not passwords.verify_password(stored_hash, data["password"]) or clerk is None:
            raise BusinessError("LOGIN_FAILED", LOGIN_FAILED, status=401)
        if passwords.needs_rehash(credential.password_hash):
            credential.password_hash = passwords.hash_password(data["password"])
        token, claims = issue_token(auth["jwt_secret"], employer_id=credential.unit_account,
                                    clerk_id=clerk["clerk_id"], minutes=int(auth["session_minutes"]),
                                    must_change_password=credential.must_change)
        expires_at = datetime.fromtimestamp(claims["exp"], timezone.utc).isoformat()
        return {"token": token, "expires_at": expires_at,
                "must_change_password": credential.must_change}

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def change_password(self, unit_account, clerk_id, data):
        """The logged-in clerk changes the unit's password (also the forced first change)."""
        data = load(ChangePasswordSchema(), data)
        credential = self.db.get(Credential, unit_account)
        if credential is None or not passwords.verify_password(credential.password_hash,
                                                               data["old_password"]):
            raise BusinessError("WRONG_PASSWORD", "原密码不正确")
        if data["new_password"] == data["old_password"]:
            raise BusinessError("WEAK_PASSWORD", "新密码不能与原密码相同")
        employer = self.employer.get_employer_for_auth(unit_account)
        rules.check_new_password(data["new_password"], unit_account=unit_account,
                                 id_numbers=employer["clerk_id_numbers"])
        self._store_password(unit_account, data["new_password"], must_change=False)
