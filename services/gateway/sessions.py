"""Revoked sessions: every gateway replica refuses a revoked token at once, also after a restart.

Auth broadcasts `session_revoked`; each replica has its own queue (a broadcast handler) and keeps
the revoked token ids until they expire. At start, and every RESYNC_SECONDS after, it also reads
the still-unexpired revoked sessions from auth: a restarted replica knows the earlier ones, and a
broadcast missed while the broker connection was down is caught up.
"""
import logging
import time
from datetime import datetime, timezone

import eventlet
from eventlet.event import Event
from nameko.events import BROADCAST, event_handler
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy

from shared.errors import BusinessError
from shared.timers import timer

log = logging.getLogger(__name__)

RESYNC_SECONDS = 30
FIRST_LOAD_WAIT_SECONDS = 5
RPC_TIMEOUT_SECONDS = 5


class RevokedSessions(DependencyProvider):

    def setup(self):
        self.revoked = {}  # jti -> when the token expires anyway
        self.loaded = Event()
        self.loaded_at = None

    def due(self):
        return self.loaded_at is None or time.monotonic() - self.loaded_at >= RESYNC_SECONDS

    def load(self, sessions):
        self.add(sessions)
        self.loaded_at = time.monotonic()
        if not self.loaded.ready():
            self.loaded.send(True)

    def add(self, sessions):
        now = datetime.now(timezone.utc)
        for jti in [jti for jti, expires in self.revoked.items() if expires <= now]:
            del self.revoked[jti]
        for session in sessions:
            self.revoked[session["jti"]] = datetime.fromisoformat(session["expires_at"])

    def is_revoked(self, jti):
        """Until the list is loaded no token can be trusted: the caller gets 503, not a pass."""
        if not self.loaded.ready():
            with eventlet.Timeout(FIRST_LOAD_WAIT_SECONDS, False):
                self.loaded.wait()
            if not self.loaded.ready():
                raise BusinessError("SERVICE_UNAVAILABLE", "服务暂不可用，请稍后再试", status=503)
        return jti in self.revoked

    def get_dependency(self, worker_ctx):
        return self


class SessionRevocation:
    """Mixed into the gateway service: the revoked list, the broadcast handler and the resync."""

    sessions = RevokedSessions()
    auth = RpcProxy("auth")

    @event_handler("auth", "session_revoked", handler_type=BROADCAST, reliable_delivery=False)
    def on_session_revoked(self, payload):
        self.sessions.add(payload["sessions"])

    @timer(interval=1, eager=True)  # ticks cheaply; reads from auth only when due
    def resync_revoked_sessions(self):
        if self.sessions.due():
            try:
                # bounded: a reply lost while the gateway stops must not hold the stop up
                with eventlet.Timeout(RPC_TIMEOUT_SECONDS):
                    self.sessions.load(self.auth.revoked_sessions())
            except (UnknownService, eventlet.Timeout) as exc:
                log.warning("auth did not answer (%r): revoked sessions not loaded yet", exc)
