"""How fast the progress service absorbs task snapshots, against a bulk insert of the same rows.

    .venv/bin/python bench/progress_events.py [--batches 100] [--rows 10000]

Reports `--batches` batches of `--rows` rows (1% failing) exactly as owners do (one snapshot
every `report_step` rows), publishes every snapshot through the real broker into the progress
service's durable queue, starts the service and times until every task shows its final
snapshot. The floor is one bulk INSERT of the same rows into the same table. Needs RabbitMQ
(AMQP_URI) and PostgreSQL (DATABASE_URL, an admin URL) like the tests; uses a vhost and
databases of its own and removes them.
"""
import argparse
import sys
import time
from datetime import datetime, timezone
from itertools import zip_longest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' infrastructure

from shared.green import monkey_patch  # noqa: E402

monkey_patch()

from nameko.containers import ServiceContainer  # noqa: E402
from sqlalchemy import create_engine, insert, select  # noqa: E402

from services.progress.models import TaskRecord  # noqa: E402
from services.progress.rules import task_row  # noqa: E402
from services.progress.service import ProgressService  # noqa: E402
from shared.migrate import prepare  # noqa: E402
from shared.tasks import TaskSnapshotSchema, publish_snapshot, snapshot_publisher  # noqa: E402
from tests import infra  # noqa: E402
from tests.task_probe import run_batch  # noqa: E402


class Recorder:
    """Keeps each snapshot a batch reports, in order."""

    def __init__(self):
        self.snapshots = []

    def report(self, task):
        task.seq += 1
        self.snapshots.append(task.snapshot())


def make_batches(batches, rows):
    recorded = []
    for n in range(batches):
        recorder = Recorder()
        run_batch(recorder, f"6101{n:08d}", rows, failed_rows=set(range(1, rows + 1, 100)))
        recorded.append(recorder.snapshots)
    return recorded


def absorb(config, engine, snapshots, finals):
    publisher = snapshot_publisher(config["AMQP_URI"])
    started = time.perf_counter()
    for snapshot in snapshots:
        publish_snapshot(publisher, snapshot)
    published = time.perf_counter() - started
    container = ServiceContainer(ProgressService, config)
    started = time.perf_counter()
    container.start()
    with engine.connect() as conn:
        while dict(conn.execute(select(TaskRecord.task_id, TaskRecord.seq)).all()) != finals:
            time.sleep(0.02)
            conn.rollback()
    elapsed = time.perf_counter() - started
    container.stop()
    return published, elapsed


def bulk_insert(engine, snapshots):
    now = datetime.now(timezone.utc)
    rows = [task_row(TaskSnapshotSchema().load(s), now) for s in snapshots]
    for row in rows:
        row["task_id"] = f"{row['task_id']}-{row['seq']}"
    with engine.begin() as conn:
        conn.execute(TaskRecord.__table__.delete())
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(TaskRecord), rows)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    broker, admin = infra.broker_uri(), infra.admin_db_url()
    run = infra.run_id()
    vhost = f"hpf-bench-{run}"
    db_urls = infra.create_databases(admin, f"hpf_b{run}")
    try:
        config = infra.service_config(infra.create_vhost(broker, vhost), db_urls)
        prepare("progress", config)  # migrates and declares the durable snapshot queue
        engine = create_engine(db_urls["progress"])
        batches = make_batches(args.batches, args.rows)
        finals = {snapshots[-1]["task_id"]: snapshots[-1]["seq"] for snapshots in batches}
        # batches run side by side: their snapshots interleave on the bus
        snapshots = [s for group in zip_longest(*batches) for s in group if s is not None]
        published, absorbed = absorb(config, engine, snapshots, finals)
        bulk = bulk_insert(engine, snapshots)
        engine.dispose()
    finally:
        infra.drop_databases(admin, db_urls)
        infra.delete_vhost(broker, vhost)

    n = len(snapshots)
    print(f"{args.batches} batches of {args.rows} rows: {n} snapshots "
          f"({len(batches[0])} per batch, errors on the final one)")
    print(f"published through the broker: {n / published:8.0f} snapshots/s")
    print(f"progress service absorbed:    {n / absorbed:8.0f} snapshots/s  ({absorbed:.2f} s)")
    print(f"bulk insert of the same rows: {n / bulk:8.0f} rows/s       ({bulk:.2f} s)")
    print(f"ratio (bulk insert / service): {absorbed / bulk:.1f}x")


if __name__ == "__main__":
    main()
