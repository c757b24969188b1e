"""Operating the system from a terminal: `hpf` with nothing behind it, a busy port, a closed terminal."""
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

from shared.config import ROOT
from tests.e2e.helpers import free_port


def hpf(env, *args, timeout=60):
    return subprocess.run([sys.executable, "-m", "hpf.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def env(vhost_uri, tmp_path):
    """A vhost of its own (no service runs there) and SQLite databases in a temporary folder."""
    urls = {f"{name.upper()}_DB_URL": f"sqlite:///{tmp_path}/{name}.db"
            for name in ("auth", "employer", "accounts", "contributions", "progress")}
    return {**os.environ, "AMQP_URI": vhost_uri, "HPF_MODE": "dev", "HPF_HTTP_PORT": str(free_port()), **urls}


def test_an_hpf_command_with_no_system_behind_it_says_so_at_once(env):
    started = time.monotonic()
    result = hpf(env, "centre", "consultations")
    assert result.returncode == 2 and time.monotonic() - started < 15
    assert "服务 employer 未运行" in result.stderr and "AMQP_URI" in result.stderr
    assert "Traceback" not in result.stderr


def test_make_run_on_a_port_in_use_refuses_to_start(env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env["HPF_HTTP_PORT"])))
        busy.listen()
        result = hpf(env, "run")
    assert result.returncode == 2 and "已被占用" in result.stderr and "单位网厅已启动" not in result.stdout


def _processes_with(marker):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ:
                if marker.encode() in environ.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_closing_the_terminal_stops_every_service(env):
    marker = f"HPF_TEST_RUN={uuid.uuid4().hex}"
    name, _, value = marker.partition("=")
    run = subprocess.Popen([sys.executable, "-m", "hpf.cli", "run"], cwd=ROOT, env={**env, name: value},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        for line in run.stdout:
            if "单位网厅已启动" in line or time.monotonic() > deadline:
                break
        assert len(_processes_with(marker)) >= 7  # hpf run, six services and the dev service
        run.send_signal(signal.SIGHUP)
        run.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _processes_with(marker) == []
    finally:
        for pid in _processes_with(marker):
            os.kill(pid, signal.SIGKILL)
