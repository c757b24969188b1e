"""The development helper service: captcha answers and an SMS outbox for `hpf dev`.

It is started only in dev mode and refuses to start otherwise, so in production nothing
consumes its RPC queue: `hpf dev captcha` and `hpf dev sms` get no answer at all.
"""
import collections
import time

import eventlet
from nameko.events import event_handler
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from shared.config import is_dev

KEEP = 10_000       # answers and codes remembered (oldest forgotten first)
WAIT_SECONDS = 5    # the event may arrive just after the caller got its captcha


class Outbox(DependencyProvider):
    def setup(self):
        if not is_dev(self.container.config):
            raise RuntimeError("the dev service runs only in dev mode (HPF_MODE=dev)")
        self.captchas = collections.OrderedDict()
        self.sms = collections.OrderedDict()

    def get_dependency(self, worker_ctx):
        return self


def _remember(book, key, value):
    book[key] = value
    book.move_to_end(key)
    while len(book) > KEEP:
        book.popitem(last=False)


def _wait_for(book, key):
    deadline = time.monotonic() + WAIT_SECONDS
    while key not in book and time.monotonic() < deadline:
        eventlet.sleep(0.05)
    return book.get(key)


class DevService:
    name = "dev"

    outbox = Outbox()

    # not reliable: the queues go away with this service instead of filling up without it
    @event_handler("auth", "dev_captcha_issued", reliable_delivery=False)
    def on_captcha(self, payload):
        _remember(self.outbox.captchas, payload["captcha_id"], payload["answer"])

    @event_handler("auth", "sms_code_requested", reliable_delivery=False)
    def on_sms(self, payload):
        _remember(self.outbox.sms, payload["mobile"], payload["code"])

    @rpc
    def captcha_answer(self, captcha_id):
        return _wait_for(self.outbox.captchas, str(captcha_id))

    @rpc
    def last_sms_code(self, mobile):
        return _wait_for(self.outbox.sms, str(mobile))


def ask(rpc, method, value, timeout=15):
    """Ask the dev service over `rpc` (a cluster proxy), waiting for it while it starts."""
    from nameko.exceptions import UnknownService
    deadline = time.monotonic() + timeout
    while True:
        try:
            return getattr(rpc.dev, method)(value)
        except UnknownService:
            if time.monotonic() > deadline:
                raise
            eventlet.sleep(0.5)
