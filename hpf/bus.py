"""Talking to the services from outside a container: broker check and RPC."""
import contextlib

from kombu import Connection

BROKER_HELP = """无法连接消息总线 RabbitMQ：{uri}
Cannot reach RabbitMQ at the AMQP_URI above. Start one, then try again:
  - on this machine:   rabbitmq-server -detached
  - with Docker:       docker compose up -d rabbitmq
  - or point AMQP_URI at a running broker, e.g. AMQP_URI=amqp://guest:guest@host:5672/"""


def broker_reachable(amqp_uri, timeout=3):
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:
        return False


def safe_uri(amqp_uri):
    """The URI without its password, for messages."""
    head, at, tail = amqp_uri.rpartition("@")
    if not at:
        return amqp_uri
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':')[0]}:***@{tail}"


@contextlib.contextmanager
def cluster_rpc(config, timeout=30):
    from nameko.standalone.rpc import ClusterRpcProxy
    with ClusterRpcProxy(config, timeout=timeout) as rpc:
        yield rpc
