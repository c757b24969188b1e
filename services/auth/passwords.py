"""argon2id hashing, run in eventlet's thread pool so the event loop and heartbeats go on."""
import functools
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool


@functools.lru_cache(maxsize=4)
def hasher(time_cost, memory_cost, parallelism):
    """argon2id with the configured parameters; a hash made with others is rehashed at login."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


@functools.lru_cache(maxsize=4)
def _dummy_hash(ph):
    # Compared against when the account is unknown, so timing does not tell.
    return ph.hash("dummy-password-for-constant-time")


def hash_password(ph, password):
    return tpool.execute(ph.hash, password)


def verify_password(ph, password_hash, password):
    """True when it matches; a missing hash still costs one verification."""
    def _verify():
        try:
            return ph.verify(password_hash or _dummy_hash(ph), password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False
    return tpool.execute(_verify)


def needs_rehash(ph, password_hash):
    return ph.check_needs_rehash(password_hash)


def generate_initial_password(length):
    """Letters and digits, at least one of each, so it passes the password rules."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isalpha() for c in password) and any(c.isdigit() for c in password):
            return password
