import time


def wait_for(probe, timeout=10, interval=0.05):
    """Poll until `probe()` returns something truthy; fail with a clear message otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s: {probe.__name__}")


FINAL = ("succeeded", "partial", "failed")


def final_snapshots(queue, task_ids, timeout=120):
    """The final snapshots of these tasks, read off a queue bound to the task exchange."""
    finals = {}

    def all_final():
        while (message := queue.get(no_ack=True)) is not None:
            if message.payload["task_id"] in task_ids and message.payload["status"] in FINAL:
                finals[message.payload["task_id"]] = message.payload
        return len(finals) == len(task_ids)
    wait_for(all_final, timeout=timeout)
    return [finals[task_id] for task_id in task_ids]


def final_snapshot(queue, task_id, timeout=120):
    return final_snapshots(queue, [task_id], timeout)[0]
