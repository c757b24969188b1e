"""The whole system as processes: one per service plus the gateway (make run, e2e tests)."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from shared.config import DEFAULT_CONFIG, ROOT, is_dev
from shared.migrate import prepare
from shared.runner import DATA_SERVICES, DEV_SERVICES, SERVICES


class System:
    def __init__(self, config, env=None, log_dir=None, config_path=None):
        self.config = config
        self.config_path = Path(config_path or DEFAULT_CONFIG)
        self.env = dict(os.environ if env is None else env)
        self.log_dir = Path(log_dir or ROOT / "var" / "log")
        self.processes = {}  # name -> list of Popen (replicas)

    @property
    def base_url(self):
        return f"http://{self.config['WEB_SERVER_ADDRESS']}"

    def port_free(self):
        """Whether the gateway's address can still be bound (another system may be answering there)."""
        host, _, port = self.config["WEB_SERVER_ADDRESS"].rpartition(":")
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the gateway binds: TIME_WAIT is no owner
            try:
                sock.bind((host, int(port)))
            except OSError:
                return False
        return True

    def migrate(self):
        for name in DATA_SERVICES:
            prepare(name, self.config)

    def start_service(self, name):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        index = len(self.processes.get(name, []))
        log = open(self.log_dir / f"{name}-{index}.log", "ab")
        # `hpf-service NAME --config FILE`, as in the README and compose (the module where no script is installed)
        script = Path(sys.executable).with_name("hpf-service")
        runner = [str(script)] if script.exists() else [sys.executable, "-m", "shared.runner"]
        command = [*runner, name, "--config", str(self.config_path)]
        proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        log.close()
        self.processes.setdefault(name, []).append(proc)
        return proc

    def start(self):
        for name in SERVICES:
            self.start_service(name)
        if is_dev(self.config):
            for name in DEV_SERVICES:
                self.start_service(name)

    def stop_service(self, name, sig=signal.SIGTERM, timeout=15):
        _stop(self.processes.pop(name, []), sig, timeout)

    def stop(self):
        """Every process at once: a graceful stop takes a few seconds each."""
        procs = [proc for name in list(self.processes) for proc in self.processes.pop(name)]
        _stop(procs, signal.SIGTERM, 15)

    def dead(self):
        return [name for name, procs in self.processes.items()
                for proc in procs if proc.poll() is not None]

    def readiness(self):
        try:
            response = requests.get(f"{self.base_url}/readyz", timeout=5)
            return response.status_code, response.json()
        except (requests.RequestException, ValueError):
            return None, None

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.dead():
                raise RuntimeError(f"服务进程已退出: {', '.join(self.dead())}，日志见 {self.log_dir}")
            status, _ = self.readiness()
            if status == 200:
                return
            time.sleep(0.5)
        raise RuntimeError(f"系统在{timeout}秒内未就绪，日志见 {self.log_dir}")

    def log_tail(self, name, lines=40):
        path = self.log_dir / f"{name}-0.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _stop(procs, sig, timeout):
    running = [proc for proc in procs if proc.poll() is None]
    for proc in running:
        proc.send_signal(sig)
    deadline = time.monotonic() + timeout
    for proc in running:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
