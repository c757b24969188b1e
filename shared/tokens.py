"""Session tokens: JWT signed by auth, verified by every gateway without a round trip."""
import time
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


MODES = ("dev", "production")


def check_secret(secret, mode, variable="HPF_JWT_SECRET"):
    """Outside development a missing, short or development secret refuses to start.

    An unknown mode is refused too: a typo must not fall back to the public development secret.
    """
    if mode not in MODES:
        raise RuntimeError(f"HPF_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    secret = "" if secret is None else str(secret)
    if mode != "dev" and (secret.startswith(DEV_SECRET_PREFIX) or len(secret) < MIN_SECRET_LENGTH):
        raise RuntimeError(f"{variable} must be set to a strong secret (at least "
                           f"{MIN_SECRET_LENGTH} characters) in production mode")


def check_production_secrets(config):
    """Every process checks every secret at start: tokens and voucher codes alike."""
    mode = config.get("HPF_MODE", "dev")
    check_secret(config["AUTH"]["jwt_secret"], mode, "HPF_JWT_SECRET")
    check_secret(config["VOUCHERS"]["secret"], mode, "HPF_VOUCHER_SECRET")


class SigningSecret(DependencyProvider):
    """The token secret; checked when the container starts, so production refuses a weak one."""

    def setup(self):
        config = self.container.config
        check_production_secrets(config)
        self.secret = str(config["AUTH"]["jwt_secret"])

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
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS})
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from None
    # signed by us means issued by us, but a claim of the wrong type must still be a 401, not a 500
    if not all(isinstance(claims[name], str) and claims[name] for name in ("jti", "emp", "sub")):
        raise TokenError("malformed claims")
    if not isinstance(claims.get("pwc", False), bool):
        raise TokenError("malformed claims")
    return claims


class VerifiedTokens:
    """`verify_token` for one secret, remembering the claims of tokens whose signature it checked.

    A clerk's page sends the same token with every click; its signature and claims are checked
    the first time, and the exact token text is the key afterwards, so another token (another
    employer's, a forged or altered one) never matches an entry. Expiry is checked on every use,
    as PyJWT checks it (expired from the second `exp` on); revocation is the caller's check, on
    every request. Bounded: the oldest entry goes first.
    """

    def __init__(self, secret, size=10_000):
        self.secret = secret
        self.size = size
        self.claims = {}  # token -> its verified claims

    def verify(self, token):
        claims = self.claims.get(token)
        if claims is None:
            claims = verify_token(self.secret, token)
            if len(self.claims) >= self.size:
                del self.claims[next(iter(self.claims))]
            self.claims[token] = claims
        if claims["exp"] <= time.time():
            self.claims.pop(token, None)
            raise TokenError("Signature has expired")
        return dict(claims)  # a copy: nothing the caller does changes the remembered claims


class TokenVerifier(SigningSecret):
    """The gateway's `VerifiedTokens`, one per container, for the checked secret."""

    def setup(self):
        super().setup()
        self.tokens = VerifiedTokens(self.secret)

    def get_dependency(self, worker_ctx):
        return self.tokens
