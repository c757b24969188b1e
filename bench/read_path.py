"""Read path: authenticated GET /api/v1/employer against the canonical Nameko example, in one run.

    .venv/bin/python bench/read_path.py [--seconds 5] [--rounds 2] [--connections 1,8,32]
                                        [--backends sqlite,postgresql] [--profile DIR]

What it needs, none of which it installs itself:
  - Debian's `wrk` (`apt-get install -y wrk`), the HTTP load tool;
  - the `redis` package in the venv (`.venv/bin/pip install -e ".[bench]"`, which `make bench` does)
    and a Redis server at REDIS_URI (default redis://127.0.0.1:6379/0), for the reference;
  - RabbitMQ and PostgreSQL as the tests find them (AMQP_URI, DATABASE_URL or the standard ports).

For each backend (SQLite files, then PostgreSQL) it starts the whole hall on a vhost and databases
of its own, registers an employer and logs a clerk in; the reference system
(`bench/reference/system.py`: an HTTP gateway → a `products` service reading a Redis hash over
RPC, no authentication) runs beside it. Then, for each round and each number of connections, it
loads four targets one after the other, so that the two systems share the machine's state (the
order of ours and the reference alternates by round):

    ours  GET /api/v1/employer with the clerk's token, through the gateway (wrk)
    ours  employer.get_employer over RPC, no gateway (green threads, one RPC client each)
    ref   GET /products/<id> through its gateway (wrk)
    ref   products.get over RPC

and prints req/s, p50, p99 and the CPU time each process of the path spent per request
(utime + stime from /proc, so what other processes on the machine do cannot inflate it),
then the ratio ours / reference. Rounds are added up: requests and CPU are summed, p50 is the
mean of the rounds', p99 the worst round's. Every response must be a 200 (wrk's non-2xx count
and socket errors are printed, and a run with any is marked).

--profile DIR also records py-spy profiles (flame graph SVG and collapsed stacks) of both
gateways, the employer and the products service, during one extra 8-connection load of each
system per backend (py-spy in the venv: `.venv/bin/pip install py-spy`).
"""
from shared.green import monkey_patch

monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hpf.system import System  # noqa: E402
from shared.config import ROOT, load_config  # noqa: E402
from tests import infra  # noqa: E402
from tests.e2e.helpers import employer_session, free_port  # noqa: E402

HERE = Path(__file__).resolve().parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PRODUCT_ID = "1"
TARGETS = ("ours http", "ours rpc", "ref http", "ref rpc")


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


# ---------- load generators ----------

def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url, connections, seconds, headers=()):
    command = ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s", url]
    for header in headers:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.M))
    if set(percentiles) != {"50", "99"}:
        raise RuntimeError(f"wrk's output has no latency distribution:\n{out}")
    requests, elapsed = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out).groups()[:2]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    return {"requests": int(requests), "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(percentiles["50"]), "p99": _ms(percentiles["99"]), "errors": errors}


def rpc_load(amqp_uri, service, method, args, connections, seconds):
    """Run `rpc_load_main` in a process of its own (its CPU is not the services')."""
    command = [sys.executable, str(Path(__file__).resolve()), "--rpc-load",
               json.dumps([amqp_uri, service, method, args, connections, seconds])]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    time.sleep(1)  # the broker drops the clients' reply queues before the next load starts
    return json.loads(out.strip().splitlines()[-1])


def rpc_load_main(spec):
    """`connections` green threads, each with its own RPC client, calling for `seconds`."""
    import eventlet
    from nameko.standalone.rpc import ClusterRpcProxy

    amqp_uri, service, method, args, connections, seconds = json.loads(spec)
    latencies, errors = [], [0]
    started = eventlet.event.Event()

    def caller():
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as rpc:
            call = getattr(getattr(rpc, service), method)
            call(*args)  # warm: the reply queue exists
            started.wait()
            while time.monotonic() < deadline[0]:
                begun = time.perf_counter()
                try:
                    call(*args)
                except Exception:  # counted, and the run marked
                    errors[0] += 1
                    continue
                latencies.append((time.perf_counter() - begun) * 1000)

    deadline = [float("inf")]
    pool = [eventlet.spawn(caller) for _ in range(connections)]
    eventlet.sleep(2)  # every client connected and warm
    begun = time.monotonic()
    deadline[0] = begun + seconds
    started.send(True)
    for thread in pool:
        thread.wait()
    elapsed = time.monotonic() - begun
    latencies.sort()
    quantile = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")  # noqa: E731
    print(json.dumps({"requests": len(latencies), "rps": len(latencies) / elapsed,
                      "p50": quantile(0.5), "p99": quantile(0.99), "errors": errors[0]}))


# ---------- the two systems ----------

class Reference:
    """bench/reference/system.py: its gateway and products service, one process each."""

    def __init__(self, broker, log_dir):
        self.vhost = f"hpf-bench-ref-{infra.run_id()}"
        self.broker = broker
        self.amqp_uri = infra.create_vhost(broker, self.vhost)
        self.port = free_port()
        self.redis_uri = os.environ.get("REDIS_URI", "redis://127.0.0.1:6379/0")
        self.log_dir = log_dir
        self.processes = {}

    def start(self):
        from bench.reference.system import store_product
        store_product(self.redis_uri, PRODUCT_ID)
        env = {**os.environ, "AMQP_URI": self.amqp_uri, "REDIS_URI": self.redis_uri,
               "REF_HTTP_PORT": str(self.port), "PYTHONPATH": str(ROOT)}
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in ("products", "gateway"):
            with open(self.log_dir / f"reference-{name}.log", "ab") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, str(HERE / "reference" / "system.py"), name], cwd=ROOT, env=env,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if rpc_ready(self.url):
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the reference system did not answer; logs in {self.log_dir}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/products/{PRODUCT_ID}"

    def stop(self):
        for proc in self.processes.values():
            proc.terminate()
        for proc in self.processes.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        infra.delete_vhost(self.broker, self.vhost)


def rpc_ready(url):
    import requests
    return requests.get(url, timeout=5).status_code == 200


class Ours:
    """The whole hall on a vhost and databases of its own, and a clerk logged in."""

    def __init__(self, broker, backend, log_dir):
        self.broker, self.backend = broker, backend
        run = infra.run_id()
        self.vhost = f"hpf-bench-{run}"
        self.admin = infra.admin_db_url() if backend == "postgresql" else None
        if self.admin:
            self.db_urls = infra.create_databases(self.admin, f"hpf_r{run}")
        else:
            self.db_urls = {name: f"sqlite:///var/bench-{run}/{name}.db"
                            for name in ("auth", "employer", "accounts", "contributions", "progress")}
        self.amqp_uri = infra.create_vhost(broker, self.vhost)
        self.env = {**os.environ, "AMQP_URI": self.amqp_uri, "HPF_MODE": "dev",
                    "HPF_HTTP_PORT": str(free_port()), **infra.db_env(self.db_urls)}
        self.env.pop("HPF_LOG_LEVEL", None)  # the services' own default (INFO), as they run for real
        self.system = System(load_config(environ=self.env), env=self.env, log_dir=log_dir / f"ours-{backend}")
        self.sqlite_dir = None if self.admin else ROOT / "var" / f"bench-{run}"

    def start(self):
        self.system.migrate()
        self.system.start()
        self.system.wait_ready()
        api, self.unit_account = employer_session(self.system, "读取基准有限公司")
        self.token = api.token
        answer = api.get("/api/v1/employer")
        assert answer.status_code == 200 and answer.json()["unit_account"] == self.unit_account, answer.text

    @property
    def url(self):
        return f"{self.system.base_url}/api/v1/employer"

    def pid(self, name):
        return self.system.processes[name][0].pid

    def stop(self):
        self.system.stop()
        if self.admin:
            infra.drop_databases(self.admin, self.db_urls)
        if self.sqlite_dir:
            shutil.rmtree(self.sqlite_dir, ignore_errors=True)
        infra.delete_vhost(self.broker, self.vhost)


def measure(load, pids):
    """Run one load; the CPU each process of the path spent meanwhile."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    result = load()
    result["cpu"] = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    return result


def load_target(target, ours, ref, connections, seconds):
    if target == "ours http":
        return measure(lambda: wrk(ours.url, connections, seconds, [f"Authorization: Bearer {ours.token}"]),
                       {"gateway": ours.pid("gateway"), "service": ours.pid("employer")})
    if target == "ours rpc":
        return measure(lambda: rpc_load(ours.amqp_uri, "employer", "get_employer", [ours.unit_account],
                                        connections, seconds), {"service": ours.pid("employer")})
    if target == "ref http":
        return measure(lambda: wrk(ref.url, connections, seconds),
                       {"gateway": ref.processes["gateway"].pid, "service": ref.processes["products"].pid})
    return measure(lambda: rpc_load(ref.amqp_uri, "products", "get", [PRODUCT_ID], connections, seconds),
                   {"service": ref.processes["products"].pid})


def round_order(round_no):
    """Ours and the reference back to back, HTTP then RPC, the first of each pair alternating by
    round: neither system always follows the other's load (nor the broker's cleanup of the RPC
    clients' reply queues)."""
    pairs = [("ours http", "ref http"), ("ours rpc", "ref rpc")]
    return [target for pair in pairs for target in (pair if round_no % 2 == 0 else pair[::-1])]


def combine(runs):
    requests = sum(r["requests"] for r in runs)
    cpu = {}
    for run in runs:
        for name, seconds in run["cpu"].items():
            cpu[name] = cpu.get(name, 0.0) + seconds
    return {"requests": requests, "rps": statistics.mean(r["rps"] for r in runs),
            "p50": statistics.mean(r["p50"] for r in runs), "p99": max(r["p99"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "cpu_ms": {name: 1000 * seconds / max(requests, 1) for name, seconds in cpu.items()}}


def report(backend, results, connections, seconds, rounds):
    print(f"\nread path on {backend}: {rounds} round(s) × {seconds} s per target, interleaved")
    print(f"{'target':<44} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'gateway CPU':>12} {'service CPU':>12} {'errors':>7}")
    names = {"ours http": "ours  GET /api/v1/employer (gateway, token)",
             "ours rpc": "ours  employer.get_employer (RPC)",
             "ref http": "ref   GET /products/1 (gateway, no auth)",
             "ref rpc": "ref   products.get (RPC, Redis)"}
    for target in TARGETS:
        for c in connections:
            r = results[target, c]
            gateway = f"{r['cpu_ms']['gateway']:.2f} ms" if "gateway" in r["cpu_ms"] else "-"
            print(f"{names[target]:<44} {c:>5} {r['rps']:>8.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} "
                  f"{gateway:>12} {r['cpu_ms']['service']:>9.2f} ms {r['errors']:>7}"
                  + ("   ← errors: not a valid run" if r["errors"] else ""))
    for label, ours, ref in (("through the gateway", "ours http", "ref http"), ("raw RPC", "ours rpc", "ref rpc")):
        ratios = "  ".join(f"{c}: {results[ours, c]['rps'] / results[ref, c]['rps']:.2f}×" for c in connections)
        print(f"throughput ours / reference, {label}: {ratios}")
    if 8 in connections:
        ours, ref = results["ours http", 8], results["ref http", 8]
        print(f"at 8 connections: employer {ours['cpu_ms']['service']:.2f} ms CPU/request (target ≤ 1.20), "
              f"gateway {ours['cpu_ms']['gateway']:.2f} ms (target ≤ 1.45); reference products "
              f"{ref['cpu_ms']['service']:.2f} ms, gateway {ref['cpu_ms']['gateway']:.2f} ms; "
              f"p99 {ours['p99']:.1f} ms (target < 50)")


def profile(ours, ref, directory, seconds):
    """py-spy profiles of both systems' processes, each system under 8 connections in turn."""
    spy = Path(sys.executable).with_name("py-spy")
    directory.mkdir(parents=True, exist_ok=True)
    for system, url, headers, pids in (
            ("ours", ours.url, [f"Authorization: Bearer {ours.token}"],
             {"gateway": ours.pid("gateway"), "employer": ours.pid("employer")}),
            ("ref", ref.url, [], {"gateway": ref.processes["gateway"].pid,
                                  "products": ref.processes["products"].pid})):
        recorders = [subprocess.Popen([str(spy), "record", "--nonblocking", "-r", "200", "-d", str(seconds),
                                       "-f", fmt, "-o", str(directory / f"{ours.backend}-{system}-{name}.{ext}"),
                                       "-p", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for name, pid in pids.items() for fmt, ext in (("flamegraph", "svg"), ("raw", "txt"))]
        time.sleep(1)
        loaded = wrk(url, 8, seconds, headers)
        for recorder in recorders:
            recorder.wait()
        print(f"  profiled {system} ({ours.backend}): {loaded['requests']} requests, {loaded['rps']:.0f} req/s")
    print(f"  profiles ({ours.backend}) in {directory}: flame graphs (.svg) and collapsed stacks (.txt)")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--rpc-load":
        return rpc_load_main(sys.argv[2])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each load")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--profile", type=Path, help="also write py-spy profiles here")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    connections = [int(c) for c in args.connections.split(",")]
    broker, log_dir = infra.broker_uri(), ROOT / "var" / f"bench-read-{infra.run_id()}"
    ref = Reference(broker, log_dir)
    try:
        ref.start()
        for backend in args.backends.split(","):
            ours = Ours(broker, backend, log_dir)
            try:
                ours.start()
                for target, url in (("ours http", ours.url), ("ref http", ref.url)):  # warm both
                    wrk(url, 8, 2, [f"Authorization: Bearer {ours.token}"] if target == "ours http" else ())
                runs = {}
                for round_no in range(args.rounds):
                    for c in connections:
                        for target in round_order(round_no):
                            runs.setdefault((target, c), []).append(load_target(target, ours, ref, c, args.seconds))
                report(backend, {key: combine(value) for key, value in runs.items()},
                       connections, args.seconds, args.rounds)
                if args.profile:
                    profile(ours, ref, args.profile, max(args.seconds, 10))
            finally:
                ours.stop()
    finally:
        ref.stop()


if __name__ == "__main__":
    main()
