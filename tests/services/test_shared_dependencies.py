"""The database dependency and the task reporter, in a real container."""
import pytest
from kombu import Connection
from nameko.rpc import rpc
from sqlalchemy import Integer, String, bindparam, create_engine, func, literal_column, or_, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shared.db import Database, PreparedRead, atomic, make_engine, make_read_engine, read_rows
from shared.errors import BusinessError
from shared.tasks import Task, TaskReporter, task_queue
from tests.waiting import wait_for


class ProbeBase(DeclarativeBase):
    pass


class Note(ProbeBase):
    __tablename__ = "probe_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(50))


COUNT = text("select count(*) from probe_notes where text = :t")


class ProbeService:
    """Borrows the progress service's database for a scratch table of its own."""
    name = "progress"

    db = Database()
    tasks = TaskReporter()

    @rpc
    @atomic
    def add(self, text_, fail=False):
        self.db.add(Note(text=text_))
        self.db.flush()
        if fail:
            raise BusinessError("PROBE", "故意失败")
        return "added"

    @rpc
    def add_without_commit(self, text_):
        self.db.add(Note(text=text_))
        self.db.flush()

    @rpc
    def read_count(self, text_):
        """A read on its own: the read engine's connection, outside any transaction."""
        return read_rows(self.db, COUNT, {"t": text_})[0][0]

    @rpc
    def add_then_read(self, text_):
        """A read after a write in the same worker: the transaction's own connection."""
        self.db.add(Note(text=text_))
        self.db.flush()
        return read_rows(self.db, COUNT, {"t": text_})[0][0]

    @rpc
    def pool_sizes(self):
        return [self.db.get_bind().pool.size(), self.db.info["read_engine"].pool.size()]

    @rpc
    def report(self, total, failed):
        task = Task("probe-task", "610100000009", "progress", "probe", title="测试", total=total)
        task.start()
        self.tasks.report(task)
        task.done, task.failed = total - failed, failed
        task.errors = [{"row": 1, "column": "证件号码", "message": "错误"}] if failed else []
        task.finish()
        self.tasks.report(task)
        return task.seq


@pytest.fixture(scope="module")
def probe(config, start_service, db_urls):
    engine = create_engine(db_urls["progress"])
    ProbeBase.metadata.create_all(engine)
    start_service(ProbeService)
    yield engine
    ProbeBase.metadata.drop_all(engine)
    engine.dispose()


def count(engine, value):
    with engine.connect() as conn:
        return conn.execute(text("select count(*) from probe_notes where text = :t"), {"t": value}).scalar()


def test_atomic_commits_before_the_reply(rpc, probe):
    assert rpc.progress.add("committed") == "added"
    assert count(probe, "committed") == 1  # visible as soon as the caller has the answer


def test_atomic_rolls_back_on_error(rpc, probe):
    with pytest.raises(BusinessError):
        rpc.progress.add("rolled-back", fail=True)
    assert count(probe, "rolled-back") == 0


def test_uncommitted_work_is_discarded_at_teardown(rpc, probe):
    rpc.progress.add_without_commit("discarded")
    assert count(probe, "discarded") == 0


def test_a_read_on_its_own_sees_committed_rows_and_one_after_a_write_sees_the_write(rpc, probe):
    assert rpc.progress.add("read-me") == "added"
    assert rpc.progress.read_count("read-me") == 1
    assert rpc.progress.add_then_read("read-mine") == 1  # flushed, uncommitted: its own connection
    assert count(probe, "read-mine") == 0  # and discarded at teardown


def test_a_read_whose_connection_died_is_read_again_on_a_new_one(rpc, probe):
    assert rpc.progress.add("survives") == "added"
    assert rpc.progress.read_count("survives") == 1
    with probe.connect() as conn:  # the server ends the read engine's connections, as a restart does
        conn.execute(text("select pg_terminate_backend(pid) from pg_stat_activity "
                          "where datname = current_database() and pid <> pg_backend_pid()"))
    assert rpc.progress.read_count("survives") == 1


# a parameter used twice, and a literal percent sign (which the driver's format doubles)
PROBE_READ = PreparedRead("probe_read", select(
    func.count().label("n"), literal_column("'100%'").label("pct")).select_from(Note).where(
    or_(Note.text == bindparam("t"), Note.text == bindparam("t") + "-copy")))


@pytest.fixture
def session(db_urls):
    engine = make_engine(db_urls["progress"])
    read_engine = make_read_engine(db_urls["progress"], engine)
    session = Session(engine)
    session.info["read_engine"] = read_engine
    yield session
    session.close()
    read_engine.dispose()
    engine.dispose()


def prepared_statements(session):
    """The statements prepared on the read engine's connection (one: these reads run one at a time)."""
    with session.info["read_engine"].connect() as connection:
        return {row[0] for row in connection.exec_driver_sql("select name from pg_prepared_statements")}


def test_a_prepared_read_gives_the_plain_reads_rows_and_is_prepared_once_per_connection(rpc, probe, session):
    for value in ("prepared", "prepared-copy", "prepared"):
        assert rpc.progress.add(value) == "added"
    plain = read_rows(session, PROBE_READ.statement, {"t": "prepared"})
    assert [tuple(row) for row in plain] == [(3, "100%")]
    assert [tuple(row) for row in PROBE_READ.rows(session, {"t": "prepared"})] == [(3, "100%")]
    assert prepared_statements(session) == {"probe_read"}
    assert PROBE_READ.rows(session, {"t": "prepared"})[0].n == 3  # executed again, not prepared again
    assert [tuple(row) for row in PROBE_READ.rows(session, {"t": "none such"})] == [(0, "100%")]


def test_a_prepared_read_without_parameters(session):
    count_all = PreparedRead("probe_count", select(func.count().label("n")).select_from(Note))
    assert count_all.rows(session, {})[0].n == read_rows(session, count_all.statement, {})[0].n


def test_a_prepared_read_whose_connection_died_is_prepared_again_on_a_new_one(rpc, probe, session):
    assert rpc.progress.add("again") == "added"
    assert PROBE_READ.rows(session, {"t": "again"})[0].n == 1
    with probe.connect() as conn:
        conn.execute(text("select pg_terminate_backend(pid) from pg_stat_activity "
                          "where datname = current_database() and pid <> pg_backend_pid()"))
    assert PROBE_READ.rows(session, {"t": "again"})[0].n == 1
    assert prepared_statements(session) == {"probe_read"}


def test_a_prepared_read_inside_a_transaction_sees_the_transactions_writes(probe, session):
    session.add(Note(text="unsaved"))
    session.flush()
    assert PROBE_READ.rows(session, {"t": "unsaved"})[0].n == 1
    session.rollback()
    assert PROBE_READ.rows(session, {"t": "unsaved"})[0].n == 0


def test_each_pool_holds_a_connection_for_every_worker(rpc, probe, config):
    """A pool smaller than the workers closes a connection at every return beyond its size and opens
    a new one (a new server process) at the next checkout: under load, a connection per request."""
    workers = int(config.get("max_workers", 10))
    assert rpc.progress.pool_sizes() == [workers, workers]


def test_task_snapshots_reach_the_tasks_exchange_with_growing_seq(rpc, probe, config):
    queue = task_queue("probe-listener")
    with Connection(config["AMQP_URI"]) as conn:
        bound = queue(conn.default_channel)
        bound.declare()
        bound.purge()
        assert rpc.progress.report(10, 3) == 2
        received = [wait_for(lambda: bound.get(no_ack=True)).payload for _ in range(2)]
        bound.delete()
    assert [m["seq"] for m in received] == [1, 2]
    assert received[0]["status"] == "running" and received[0]["errors"] == []
    assert received[1]["status"] == "partial" and received[1]["failed"] == 3
    assert received[1]["errors"][0]["column"] == "证件号码"
