"""The shared timer's first tick comes only after the container's reply queue exists."""
import eventlet
import pytest
from eventlet.queue import LightQueue
from nameko.messaging import QueueConsumer
from nameko.rpc import RpcProxy, rpc

from shared.timers import timer

answers = LightQueue()


class EchoService:
    name = "timer_probe_echo"

    @rpc
    def echo(self, value):
        return value


class TickingService:
    name = "timer_probe_ticking"

    echo = RpcProxy("timer_probe_echo")

    @timer(interval=3600, eager=True)
    def tick(self):
        answers.put(self.echo.echo("tick"))


@pytest.fixture(scope="module", autouse=True)
def ticking_with_a_slow_consumer(start_service):
    start_service(EchoService)
    slow_start = QueueConsumer.start

    def start(consumer):
        eventlet.sleep(1)  # as on a loaded machine: the queues are declared late
        slow_start(consumer)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QueueConsumer, "start", start)
        start_service(TickingService)


def test_an_eager_tick_calling_another_service_gets_its_answer():
    assert answers.get(timeout=10) == "tick"
