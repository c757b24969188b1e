"""Batch opening, end to end against its floor, and the accounts process's peak memory.

    .venv/bin/python bench/batch_open.py [--rows 10000] [--repeat 3] [--memory-rows 50000] [--voucher FILE.pdf]

Starts the whole system (own vhost and databases), builds a template file of N rows,
then times upload → import → submit → batch finished over HTTP, and the floor for the
same rows on the same database: openpyxl read-only parse plus one bulk insert. Both are timed
--repeat times in turn (each time new people in a new file), and the ratio is the medians': on a
shared machine one timing of either can be a third off.
"""
from shared.green import monkey_patch

monkey_patch()

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import load_workbook  # noqa: E402
from sqlalchemy import Column, MetaData, Numeric, Table, Text, create_engine  # noqa: E402

from hpf.system import System  # noqa: E402
from services.accounts.templates import OPENING  # noqa: E402
from shared.config import ROOT, load_config  # noqa: E402
from shared.xlsx import write_template  # noqa: E402
from tests import infra  # noqa: E402
from tests.e2e.helpers import employer_session, free_port  # noqa: E402
from tests.factories import resident_ids  # noqa: E402
from tests.pdfs import page_count  # noqa: E402


def template_file(rows):
    values = [[f"职工{i}", number, "5000.00", f"139{i:08d}", "陕西省西安市", "雁塔区科技路1号", ""]
              for i, number in enumerate(resident_ids(rows))]
    return write_template(OPENING, values)


def save_voucher(api, path):
    batch = api.get("/api/v1/openings").json()[0]
    pdf = api.get(f"/api/v1/openings/{batch['batch_id']}/voucher.pdf").content
    Path(path).write_bytes(pdf)
    print(f"  voucher {batch['batch_id']}: {page_count(pdf)} pages, {len(pdf) / 1e6:.1f} MB → {path}")


def last_snapshot(api, task_id):
    """Follow the task as a page does, by its live progress stream, to its final snapshot."""
    stream = api.get(f"/api/v1/tasks/{task_id}/events", stream=True)
    assert stream.status_code == 200, stream.text
    snapshots = [json.loads(line[len("data: "):]) for line in stream.iter_lines(decode_unicode=True)
                 if line.startswith("data: ")]
    return snapshots[-1]


def end_to_end(api, data):
    started = time.perf_counter()
    imported = api.post("/api/v1/openings/drafts/import", files={"file": ("open.xlsx", data)})
    assert imported.status_code == 200 and not imported.json()["errors"], imported.text[:500]
    parsed = time.perf_counter()
    submitted = api.post("/api/v1/openings/submit")
    assert submitted.status_code == 202, submitted.text
    final = last_snapshot(api, submitted.json()["task_id"])
    ended = time.perf_counter()
    assert final["status"] == "succeeded" and final["done"] == final["total"], final
    print(f"  (upload and import {parsed - started:.2f} s, submit to succeeded {ended - parsed:.2f} s)")
    return ended - started


def floor(data, db_url):
    """openpyxl read-only parse and one bulk insert of the same rows, on the same database."""
    started = time.perf_counter()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    rows = [[c.value for c in row] for row in wb.worksheets[0].iter_rows(min_row=2) if row[0].value]
    wb.close()
    columns = ("name", "id_number", "base", "mobile", "household", "address", "phone")
    table = Table("floor_rows", MetaData(), *(Column(name, Numeric(12, 2) if name == "base" else Text)
                                             for name in columns), prefixes=["TEMPORARY"])
    engine = create_engine(db_url)
    with engine.begin() as conn:
        table.create(conn)
        # Core insert: SQLAlchemy batches the rows into multi-row INSERTs, the fastest plain path
        conn.execute(table.insert(), [dict(zip(columns, row)) for row in rows])
    engine.dispose()
    return time.perf_counter() - started


def peak_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="timings of each, end to end and floor in turn")
    parser.add_argument("--memory-rows", type=int, default=50_000, help="0 skips the memory run")
    parser.add_argument("--voucher", help="also save the batch's opening voucher (PDF) here")
    args = parser.parse_args()

    broker, admin, run = infra.broker_uri(), infra.admin_db_url(), infra.run_id()
    db_urls = infra.create_databases(admin, f"hpf_b{run}")
    vhost = f"hpf-bench-{run}"
    env = {**os.environ, "AMQP_URI": infra.create_vhost(broker, vhost), "HPF_MODE": "dev",
           "HPF_HTTP_PORT": str(free_port()), "HPF_LOG_LEVEL": "WARNING", **infra.db_env(db_urls)}
    system = System(load_config(environ=env), env=env, log_dir=ROOT / "var" / f"bench-{run}")
    try:
        system.migrate()
        system.start()
        system.wait_ready()
        api, _ = employer_session(system, "基准测试有限公司")
        timings = []
        for _ in range(args.repeat):
            data = template_file(args.rows)
            timings.append((end_to_end(api, data), floor(data, db_urls["accounts"])))
            print(f"  end to end {timings[-1][0]:.2f} s, floor {timings[-1][1]:.2f} s")
        e2e, base = (statistics.median(column) for column in zip(*timings))
        print(f"batch open, {args.rows} rows ({len(data) / 1e6:.1f} MB file), median of {args.repeat}")
        print(f"  end to end (upload → import → submit → succeeded): {e2e:6.2f} s")
        print(f"  floor (read-only parse + one bulk insert):          {base:6.2f} s")
        print(f"  ratio: {e2e / base:.2f}   (target ≤ 2, end to end < 20 s)")
        if args.voucher:
            save_voucher(api, args.voucher)
        if args.memory_rows:
            api, _ = employer_session(system, "基准测试内存有限公司")
            big = template_file(args.memory_rows)
            seconds = end_to_end(api, big)
            pid = system.processes["accounts"][0].pid
            print(f"batch open, {args.memory_rows} rows ({len(big) / 1e6:.1f} MB file): {seconds:.2f} s end to end")
            print(f"  accounts process peak memory (VmHWM): {peak_mb(pid):.0f} MB   (target < 300 MB)")
    finally:
        system.stop()
        infra.drop_databases(admin, db_urls)
        infra.delete_vhost(broker, vhost)


if __name__ == "__main__":
    main()
