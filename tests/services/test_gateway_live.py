"""Live progress (F15.1): the gateway streams a task's snapshots as Server-Sent Events."""
import json

import eventlet
import pytest
import requests

from services.auth.service import AuthService
from services.gateway.live import LiveTasks
from services.gateway.service import GatewayService
from services.progress.service import ProgressService
from shared.errors import BusinessError
from shared.tasks import new_task_id
from shared.tokens import issue_token
from tests.e2e.helpers import free_port
from tests.task_probe import BatchProbe, StandaloneReporter, run_batch
from tests.waiting import wait_for

EMPLOYER, OTHER = "610100000201", "610100000202"


@pytest.fixture(scope="module")
def gateway(start_service, config):
    start_service(AuthService)  # the gateway trusts no token until it has auth's revoked sessions
    start_service(ProgressService)
    start_service(BatchProbe)
    port = free_port()
    settings = {**config["GATEWAY"], "live_keepalive_seconds": 0.2, "live_first_snapshot_seconds": 1}
    container = start_service(GatewayService, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", GATEWAY=settings)
    hub = next(d for d in container.extensions if isinstance(d, LiveTasks))
    return f"http://127.0.0.1:{port}", hub


def headers(config, employer_id):
    token, _ = issue_token(config["AUTH"]["jwt_secret"], employer_id=employer_id, clerk_id=1, minutes=30)
    return {"Authorization": f"Bearer {token}"}


def open_stream(base, config, task_id, employer_id=EMPLOYER):
    return requests.get(f"{base}/api/v1/tasks/{task_id}/events", headers=headers(config, employer_id),
                        stream=True, timeout=10)


def events(response):
    """The snapshots of an SSE stream until the server closes it."""
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("data: "):
            yield json.loads(line[len("data: "):])


def start_batch(rpc, total=100, pause=0.05, failed_rows=(), employer_id=EMPLOYER):
    """A batch whose first snapshot is already stored, running in the background, with a snapshot
    every 2% of its rows."""
    task_id = new_task_id()
    reply = rpc.batch_probe.run_batch.call_async(employer_id, total, failed_rows=list(failed_rows),
                                                 pause=pause, task_id=task_id, step=max(1, total // 50))
    wait_for(lambda: _stored(rpc, employer_id, task_id))
    return task_id, reply


def _stored(rpc, employer_id, task_id):
    try:
        return rpc.progress.get_task(employer_id, task_id)
    except BusinessError:
        return None


def test_f15_1_two_watchers_see_the_batch_to_its_end_then_the_stream_closes(gateway, rpc, config):
    base, hub = gateway
    task_id, reply = start_batch(rpc, total=200, pause=0.2, failed_rows=range(9, 129))  # ~10 s: streams open mid-batch
    streams = [open_stream(base, config, task_id) for _ in range(2)]
    assert all(s.status_code == 200 and s.headers["Content-Type"].startswith("text/event-stream")
               for s in streams)
    pile = eventlet.GreenPile()
    for stream in streams:
        pile.spawn(lambda s: list(events(s)), stream)
    seen = list(pile)
    final_seq = reply.result()["seq"]
    for snapshots in seen:
        seqs = [s["seq"] for s in snapshots]
        assert seqs == sorted(set(seqs)) and seqs[-1] == final_seq  # newer each time, ends at the final
        assert len(seqs) > 2                                       # progress arrived as it happened
        final = snapshots[-1]
        assert final["status"] == "partial" and final["errors"][0]["row"] == 10
        assert (final["error_count"], len(final["errors"])) == (120, 100)  # the file has them all
        assert snapshots[0]["title"] == "测试开户" and "percent" in snapshots[0]
    wait_for(lambda: not hub.watchers)


def test_f15_1_a_finished_task_streams_its_final_snapshot_and_closes(gateway, rpc, config):
    base, hub = gateway
    task_id, reply = start_batch(rpc, total=10, pause=0)
    final_seq = reply.result()["seq"]
    wait_for(lambda: rpc.progress.get_task(EMPLOYER, task_id)["seq"] == final_seq)
    assert [s["seq"] for s in events(open_stream(base, config, task_id))] == [final_seq]
    wait_for(lambda: not hub.watchers)


def test_f15_1_a_watcher_that_disconnects_is_forgotten(gateway, rpc, config):
    base, hub = gateway
    task_id, reply = start_batch(rpc, total=100, pause=0.05)
    stream = open_stream(base, config, task_id)
    first = next(events(stream))
    assert first["task_id"] == task_id
    assert task_id in hub.watchers
    stream.close()
    wait_for(lambda: task_id not in hub.watchers, timeout=5)  # well before the batch ends
    assert reply.result()["seq"] > first["seq"]


def test_f15_1_a_task_just_submitted_streams_from_its_first_snapshot(gateway, config):
    """The stream opens before the progress service has heard of the task."""
    base, hub = gateway
    task_id = new_task_id()
    pile = eventlet.GreenPile()
    pile.spawn(lambda: list(events(open_stream(base, config, task_id))))
    wait_for(lambda: task_id in hub.watchers)
    result = run_batch(StandaloneReporter(config["AMQP_URI"]), EMPLOYER, 4, task_id=task_id)
    assert [s["seq"] for s in next(pile)][-1] == result["seq"]


def test_f15_1_another_employers_task_is_404_and_leaves_nothing(gateway, rpc, config):
    base, hub = gateway
    task_id, reply = start_batch(rpc, total=10, pause=0, employer_id=OTHER)
    response = open_stream(base, config, task_id, employer_id=EMPLOYER)
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
    assert open_stream(base, config, "no-such-task").status_code == 404
    reply.result()
    assert not hub.watchers
