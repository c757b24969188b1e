"""Session tokens: JWT signed by auth, verified by every gateway without a round trip."""
import uuid
from datetime import datetime, timedelta, timezone

import jwt
from nameko.extensions import DependencyProvider

ALGORITHM = "HS256"  # pinned: a token naming any other algorithm (or none) is refused
REQUIRED_CLAIMS = ["exp", "iat", "jti", "emp", "sub"]
DEV_SECRET_PREFIX = "dev-only-"
MIN_SECRET_LENGTH = 32


class TokenError(Exception):
    pass


def check_secret(secret, mode):
    """Production refuses to start with a missing, short or development secret."""
    if mode == "production" and (not secret or secret.startswith(DEV_SECRET_PREFIX)
                                 or len(secret) < MIN_SECRET_LENGTH):
        raise RuntimeError("HPF_JWT_SECRET must be set to a strong secret in production mode")


class SigningSecret(DependencyProvider):
    """The token secret; checked when the container starts, so production refuses a weak one."""

    def setup(self):
        config = self.container.config
        self.secret = config["AUTH"]["jwt_secret"]
        check_secret(self.secret, config.get("HPF_MODE", "dev"))

    def get_dependency(self, worker_ctx):
        return self.secret


def issue_token(secret, *, employer_id, clerk_id, minutes, must_change_password=False, now=None):
    issued = now or datetime.now(timezone.utc)
    expires = issued + timedelta(minutes=minutes)
    claims = {
        "sub": str(clerk_id),
        "emp": employer_id,
        "pwc": bool(must_change_password),
        "jti": uuid.uuid4().hex,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), claims


def verify_token(secret, token):
    try:
        return jwt.decode(token, secret, algorithms=[ALGORITHM],
                          options={"require": REQUIRED_CLAIMS})
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from None
