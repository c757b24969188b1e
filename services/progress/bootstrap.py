"""At migration: declare the durable snapshot queue, so snapshots published before the
progress service first starts (or while it is down) wait for it."""
from kombu import Connection

from shared.tasks import task_queue


def bootstrap(session, config):
    with Connection(config["AMQP_URI"]) as conn:
        task_queue("progress")(conn.default_channel).declare()
