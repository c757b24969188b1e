"""A broker connection lost while a worker runs costs that worker its ack or its reply, never the
service (shared.broker): it reconnects by itself, answers again, and a message it could not ack
is delivered again."""
import socket

import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.messaging import QueueConsumer, consume
from nameko.rpc import rpc

from tests.waiting import wait_for

JOBS = Queue("lost_connection_probe.jobs", exchange=Exchange("lost_connection_probe", type="topic", durable=True),
             routing_key="#", durable=True)
NO_BROKER = "amqp://guest:guest@127.0.0.1:1//"


class Gate:
    """Holds a worker until the test has broken what the worker needs to finish; `last` runs in
    the worker just before it returns, so nothing else runs between it and the ack."""

    def __init__(self, last=lambda: None):
        self.entered, self.release, self.last = eventlet.Event(), eventlet.Event(), last

    def hold(self):
        self.entered.send()
        self.release.wait()
        self.last()


gates = {}
jobs_handled = []


class LostConnectionProbe:
    name = "lost_connection_probe"

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def held(self):
        gates["rpc"].hold()
        return "late"

    @consume(JOBS)
    def on_job(self, payload):
        jobs_handled.append(payload)
        if len(jobs_handled) == 1:
            gates["job"].hold()


@pytest.fixture(scope="module")
def container(start_service):
    return start_service(LostConnectionProbe)


def break_consumer_connection(container):
    """As a broker restart leaves it: the socket is dead, and the worker's ack meets it."""
    queue_consumer = next(ext for ext in container.extensions if isinstance(ext, QueueConsumer))
    for consumer in queue_consumer._consumers.values():
        consumer.channel.connection.transport.sock.shutdown(socket.SHUT_RDWR)


def test_an_ack_on_a_lost_connection_leaves_the_service_running_and_the_message_comes_again(container, config, rpc):
    gates["job"] = Gate(last=lambda: break_consumer_connection(container))
    with Connection(config[AMQP_URI_CONFIG_KEY]) as conn, conn.Producer() as producer:
        producer.publish({"job": 1}, exchange=JOBS.exchange, routing_key="job", declare=[JOBS])
    gates["job"].entered.wait()
    gates["job"].release.send()
    wait_for(lambda: len(jobs_handled) == 2, timeout=30)
    assert not container._died.ready()
    assert rpc.lost_connection_probe.ping() == "pong"


def test_a_reply_the_broker_cannot_take_leaves_the_service_running(container, rpc, caplog):
    gates["rpc"] = Gate()
    rpc.lost_connection_probe.held.call_async()  # its reply is never sent: the caller's timeout answers it
    gates["rpc"].entered.wait()
    reachable = container.config[AMQP_URI_CONFIG_KEY]
    container.config[AMQP_URI_CONFIG_KEY] = NO_BROKER  # where the reply is sent: nobody answers there
    try:
        gates["rpc"].release.send()
        wait_for(lambda: "rpc reply not sent" in caplog.text, timeout=60)
    finally:
        container.config[AMQP_URI_CONFIG_KEY] = reachable
    assert not container._died.ready()
    assert rpc.lost_connection_probe.ping() == "pong"


def test_a_publish_takes_its_producer_from_the_pool_of_its_own_settings():
    from nameko.constants import DEFAULT_TRANSPORT_OPTIONS

    from shared.broker import pooled_producer

    uri, other_vhost = "amqp://guest:guest@127.0.0.1:5672/pool-probe", "amqp://guest:guest@127.0.0.1:5672/other"
    with pooled_producer(uri, confirms=True) as first:
        pass
    with pooled_producer(uri, confirms=True, transport_options=dict(DEFAULT_TRANSPORT_OPTIONS)) as again:
        assert again is first  # the same settings: the same pool, the producer used again
    with pooled_producer(uri, confirms=False) as unconfirmed:
        assert unconfirmed is not first
        assert unconfirmed.connection.transport_options["confirm_publish"] is False
    assert first.connection.transport_options["confirm_publish"] is True
    with pooled_producer(other_vhost) as elsewhere:
        assert elsewhere.connection.virtual_host == "other"
