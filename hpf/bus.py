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


class ServiceDown(Exception):
    """No replica of a service consumes its RPC queue on the broker that AMQP_URI names."""

    def __init__(self, service):
        super().__init__(service)
        self.service = service


def service_running(connection, service):
    """Whether some replica of `service` listens on this broker (its RPC queue has a consumer)."""
    channel = connection.channel()
    try:
        _, _, consumers = channel.queue_declare(queue=f"rpc-{service}", passive=True)
        return consumers > 0
    except connection.channel_errors:  # no such queue: never started on this broker
        return False
    finally:
        with contextlib.suppress(Exception):
            channel.close()


class _CheckedCluster:
    """The cluster proxy, but a service nobody runs fails at once instead of after the RPC timeout."""

    def __init__(self, proxy, connection):
        self._proxy, self._connection, self._seen = proxy, connection, set()

    def __getattr__(self, service):
        if service not in self._seen:
            if not service_running(self._connection, service):
                raise ServiceDown(service)
            self._seen.add(service)
        return getattr(self._proxy, service)


@contextlib.contextmanager
def cluster_rpc(config, timeout=30):
    from nameko.standalone.rpc import ClusterRpcProxy
    with Connection(config["AMQP_URI"]) as connection, ClusterRpcProxy(config, timeout=timeout) as rpc:
        yield _CheckedCluster(rpc, connection)
