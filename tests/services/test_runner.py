"""`hpf-service` starts a service and then freezes what start-up built out of the garbage collector."""
import gc

import pytest
from nameko.rpc import rpc

from shared.runner import start_service


class FreezeProbe:
    name = "freeze_probe"

    @rpc
    def ping(self):
        return "pong"


@pytest.fixture(scope="module")
def started(config):
    gc.unfreeze()
    before = gc.get_freeze_count()
    runner = start_service(FreezeProbe, config)
    yield before, gc.get_freeze_count()
    runner.stop()
    gc.unfreeze()  # the rest of the test session collects as before


def test_start_up_objects_are_frozen_once_the_service_answers(started, rpc):
    before, frozen = started
    # a full collection no longer walks the modules, schemas and extensions start-up built
    assert before == 0 and frozen > 10_000
    assert rpc.freeze_probe.ping() == "pong"
