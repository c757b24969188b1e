"""argon2id hashing, run in eventlet's thread pool so the event loop and heartbeats go on."""
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

_hasher = PasswordHasher()  # argon2id with the library's current parameters
# Compared against when the account is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("dummy-password-for-constant-time")


def hash_password(password):
    return tpool.execute(_hasher.hash, password)


def verify_password(password_hash, password):
    """True when it matches; a missing hash still costs one verification."""
    def _verify():
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False
    return tpool.execute(_verify)


def needs_rehash(password_hash):
    return _hasher.check_needs_rehash(password_hash)


def generate_initial_password(length):
    """Letters and digits, at least one of each, so it passes the password rules."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isalpha() for c in password) and any(c.isdigit() for c in password):
            return password
