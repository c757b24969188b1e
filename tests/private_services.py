"""A RabbitMQ node and a PostgreSQL cluster of a test's own, on free ports, that it may stop and start
(never the machine's: other tests and sessions use those)."""
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.e2e.helpers import free_port


class PrivateBroker:
    """A RabbitMQ node of its own; `stop_app`/`start_app` are a broker restart as clients see it."""

    def __init__(self):
        # its own folder under /tmp: the server runs as the rabbitmq user, who cannot enter pytest's
        self.folder = Path(tempfile.mkdtemp(prefix="hpf-broker-"))
        self.port = free_port()
        self.node = f"hpf-{uuid.uuid4().hex[:8]}@localhost"
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self):
        return {**os.environ, "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(free_port()), "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.folder / "log"), "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbit"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "plugins"),
                "RABBITMQ_FEATURE_FLAGS_FILE": str(self.folder / "feature_flags"),
                "RABBITMQ_PID_FILE": str(self.folder / "pid")}

    def start(self):
        for sub in ("mnesia", "log"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        (self.folder / "plugins").write_text("[].\n")
        (self.folder / "rabbit.conf").write_text(f"listeners.tcp.default = {self.port}\nloopback_users = none\n")
        shutil.chown(self.folder, "rabbitmq", "rabbitmq")  # the server drops to its own user
        for path in self.folder.rglob("*"):
            shutil.chown(path, "rabbitmq", "rabbitmq")
        self.process = subprocess.Popen(["rabbitmq-server"], env=self._env(), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        self._ctl("wait", str(self.folder / "pid"), "--timeout", "120", timeout=130)
        return self

    def _ctl(self, *args, timeout=60):
        subprocess.run(["rabbitmqctl", "-n", self.node, *args], env=self._env(), check=True,
                       capture_output=True, timeout=timeout)

    def stop_app(self):
        self._ctl("stop_app")

    def start_app(self):
        self._ctl("start_app", timeout=120)

    def close(self):
        try:
            self._ctl("stop", timeout=60)
        except Exception:
            self.process.kill()
        self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def private_broker_available():
    return shutil.which("rabbitmq-server") is not None and shutil.which("rabbitmqctl") is not None


def wait_until(predicate, timeout, step=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


class PrivatePostgres:
    """A PostgreSQL cluster of its own (trust auth on 127.0.0.1), run as the postgres user."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="hpf-postgres-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command, timeout=120):
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True,
                       timeout=timeout, cwd=self.folder)

    def start(self):
        data = self.folder / "data"
        if not data.exists():
            self._as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(self.folder / "log"),
                          "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", "start")
        return self

    def stop(self):
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-m", "fast", "stop")

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def private_postgres_available():
    return PG_BIN is not None and shutil.which("runuser") is not None
