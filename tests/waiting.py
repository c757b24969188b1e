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
