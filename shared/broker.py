"""Nameko's RPC and consumers as the services need them, installed once per process.

A lost broker connection costs a worker its ack or its reply, never the whole service.

Nameko takes any error in finishing a worker (acking its message, sending an RPC reply) for a
bug and kills the container: the process exits and stays down. A broker restart makes exactly
those fail: an ack on the dead socket raises the operating system's error (nameko only expects
amqp's own), and a reply gives up after its retries while the broker is away. The broker still
holds such a message unacked and delivers it again once the service has reconnected (handlers
are idempotent for that reason), so the failure is logged and the worker ends as usual.

A reply is kept as its request was: persistent for a persistent request, transient for a transient
one (the gateway's reads, see services/gateway/service.py). A persistent message costs the broker a
disk write before it confirms it; a reply to a read need not outlive a broker restart.

Every publish (a call, a reply, an event) takes a producer from kombu's pool, which is keyed by a
connection's settings: the connection that stands for those settings is built once per process,
not at every publish as nameko does (kombu parses the URI and the options each time).
"""
import functools
import logging
from contextlib import contextmanager

import nameko.amqp.publish
import nameko.rpc
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu import Connection
from kombu.exceptions import OperationalError
from kombu.pools import producers
from nameko.amqp.publish import DEFAULT_TRANSPORT_OPTIONS, Publisher
from nameko.constants import PERSISTENT
from nameko.messaging import QueueConsumer
from nameko.rpc import Responder, RpcConsumer

log = logging.getLogger(__name__)

CONNECTION_LOST = (OSError, OperationalError, AmqpConnectionError)


def _settle_unless_lost(settle):
    @functools.wraps(settle)
    def settle_unless_lost(queue_consumer, message):
        try:
            settle(queue_consumer, message)
        except CONNECTION_LOST as exc:
            log.warning("%s not delivered, the broker connection is lost (%s): "
                        "the broker delivers the message again", settle.__name__, exc)
    return settle_unless_lost


def _reply_unless_lost(handle_result):
    @functools.wraps(handle_result)
    def reply_unless_lost(rpc_consumer, message, result, exc_info):
        try:
            return handle_result(rpc_consumer, message, result, exc_info)
        except CONNECTION_LOST as exc:
            # the caller's own timeout answers it; acked, so that it does not run again unasked
            log.warning("rpc reply not sent, the broker connection is lost (%s)", exc)
            rpc_consumer.queue_consumer.ack_message(message)
            return result, exc_info
    return reply_unless_lost


class ReplyKeptAsRequest(Responder):
    @property
    def publisher_cls(self):
        delivery_mode = self.message.properties.get("delivery_mode", PERSISTENT)
        return functools.partial(Publisher, delivery_mode=delivery_mode)


_POOL_KEYS = {}  # a publisher's settings -> the connection its producer pool is keyed by


@contextmanager
def pooled_producer(amqp_uri, confirms=True, ssl=None, login_method=None, transport_options=None):
    """nameko's `get_producer`, with the pool's key built once per settings."""
    options = {**(DEFAULT_TRANSPORT_OPTIONS if transport_options is None else transport_options),
               "confirm_publish": confirms}
    settings = (amqp_uri, repr(ssl), login_method, repr(options))
    key = _POOL_KEYS.get(settings)
    if key is None:  # only a template: the pool connects clones of it
        key = _POOL_KEYS[settings] = Connection(amqp_uri, transport_options=options, ssl=ssl,
                                                login_method=login_method)
    with producers[key].acquire(block=True) as producer:
        yield producer


def install():
    """Once per process, before any service starts."""
    if getattr(QueueConsumer, "hpf_installed", False):
        return
    QueueConsumer.ack_message = _settle_unless_lost(QueueConsumer.ack_message)
    QueueConsumer.requeue_message = _settle_unless_lost(QueueConsumer.requeue_message)
    RpcConsumer.handle_result = _reply_unless_lost(RpcConsumer.handle_result)
    nameko.rpc.Responder = ReplyKeptAsRequest  # the name RpcConsumer.handle_result calls
    nameko.amqp.publish.get_producer = pooled_producer  # the name Publisher.publish calls
    QueueConsumer.hpf_installed = True
