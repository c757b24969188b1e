"""nameko's timer, whose first tick waits until its container's consumers are ready.

A container starts its extensions all at once. An eager tick could then call another service
before the container's reply queue is declared: the reply is dropped, and the tick's worker waits
for it for ever (and holds up the container's stop).
"""
import eventlet
from nameko.messaging import QueueConsumer
from nameko.timer import Timer


class StartedTimer(Timer):

    def _run(self):
        for extension in self.container.extensions:
            if isinstance(extension, QueueConsumer):
                # nameko 2.14 (pinned): set once it consumes; a stop meanwhile ends the wait
                while not extension._consumers_ready.ready():
                    if self.should_stop.ready():
                        return
                    eventlet.sleep(0.1)
        super()._run()


timer = StartedTimer.decorator
