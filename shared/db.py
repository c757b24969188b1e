"""The database dependency: an engine per container, a session per worker.

Nameko replies to an RPC (and acks an event) *before* it tells dependencies the
worker's result, so committing there would answer callers before the data is
durable. Entrypoints that write are therefore wrapped in `@atomic`, which commits
(or rolls back) inside the call; whatever a worker leaves uncommitted is rolled back
at teardown.
"""
import functools
import json
import re
from collections import namedtuple
from datetime import datetime, timezone
from pathlib import Path

from nameko.extensions import DependencyProvider
from sqlalchemy import DateTime, TypeDecorator, create_engine, event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shared.config import ROOT


class UtcDateTime(TypeDecorator):
    """A moment in UTC. SQLite keeps no zone: store UTC there and read it back aware,
    so the same code compares times on SQLite (`make run`) and PostgreSQL."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(timezone.utc) if value is not None and value.tzinfo else value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


# Every service's declarative base uses this: times are stored with their zone.
TYPE_ANNOTATION_MAP = {datetime: UtcDateTime()}


# Beyond `pool_size`, a returned connection is closed and the next checkout opens a new one (on
# PostgreSQL a new server process): a service's pools hold as many as it runs workers at once.
DEFAULT_POOL_SIZE = 10
POOL_OVERFLOW = 10  # greenthreads a worker spawns, beyond one connection per worker


def make_engine(url, pool_size=DEFAULT_POOL_SIZE):
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            path = Path(database)
            if not path.is_absolute():
                path = ROOT / path
            path.parent.mkdir(parents=True, exist_ok=True)
            parsed = parsed.set(database=str(path))
        # One connection per process: workers queue for it cooperatively instead of blocking
        # the event loop inside SQLite's busy wait while another worker holds the write lock.
        engine = create_engine(parsed, connect_args={"timeout": 5}, pool_size=1, max_overflow=0)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=pool_size, max_overflow=POOL_OVERFLOW)


def make_read_engine(url, engine, pool_size=DEFAULT_POOL_SIZE):
    """The engine of `read_rows`. On PostgreSQL a pool of its own whose connections stay in
    autocommit: a one-statement read sends that statement and nothing else (no BEGIN, ROLLBACK,
    isolation switch, nor the ping before each checkout: `read_rows` retries a read whose connection
    turned out dead instead). SQLite keeps its one connection per process: the same engine."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return engine
    return create_engine(parsed, isolation_level="AUTOCOMMIT", pool_size=pool_size, max_overflow=POOL_OVERFLOW)


def upsert_insert(session, table):
    """An INSERT with ON CONFLICT clauses, for the database the session is bound to."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        session.get_bind().dialect.name](table)


def bulk_insert(session, table, rows, shared=None):
    """`rows` (dicts of the same keys) into `table`, ids in their order, `shared` the values all of
    them have. On PostgreSQL one statement with one parameter, the rows as a JSON array the server
    unpacks: nothing compiled or adapted per value (as a many-row INSERT the driver's adapting of
    every value was most of the time). Elsewhere (SQLite, in-process) a Core insert of many rows."""
    if not rows:
        return
    shared = shared or {}
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), [{**row, **shared} for row in rows])
        return
    names = list(rows[0])
    dialect = session.get_bind().dialect
    casts = ", ".join(f"CAST(page.item->>{i} AS {table.c[name].type.compile(dialect=dialect)})"
                      for i, name in enumerate(names))
    statement = text(
        f"INSERT INTO {table.name} ({', '.join([*names, *shared])}) SELECT {casts}"
        + "".join(f", :{name}" for name in shared)
        + " FROM json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS page(item, position)"
          " ORDER BY page.position")
    page = json.dumps([[None if row[name] is None else str(row[name]) for name in names] for row in rows],
                      ensure_ascii=False)
    session.execute(statement, {"rows": page, **shared})


def read_rows(session, statement, params):
    """Every row of one read-only statement, which is a snapshot by itself.

    When the worker's session holds no transaction, the statement runs on a connection of the
    read engine (`make_read_engine`), outside the session's bookkeeping and, on PostgreSQL, outside
    any transaction. A connection found dead (the database restarted) is dropped and the read,
    which changes nothing, is tried once more on a new one. Inside a transaction it is the
    transaction's connection: the read sees what the worker wrote, and never waits for a second
    connection (SQLite has one).
    """
    if session.in_transaction():
        return session.connection().execute(statement, params).all()
    engine = _read_engine(session)
    try:
        with engine.connect() as connection:
            return connection.execute(statement, params).all()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as connection:
        return connection.execute(statement, params).all()


def _read_engine(session):
    return session.info.get("read_engine") or session.get_bind()


_NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")


class PreparedRead:
    """A `read_rows` statement the hall makes on every click, prepared once per connection on
    PostgreSQL: the server parses and plans it once instead of at every read (its CPU per read of
    单位基本信息 fell from about 0.25 to 0.14 ms). On SQLite, and inside a transaction, it is `read_rows`.

    The prepared read runs on the pool's driver connection itself, without SQLAlchemy's execution
    context and result layer. Parameters go to the server as they are: for statements whose
    parameters are plain text or numbers (no type that converts a value on its way in). Rows are
    named tuples of what the driver gives, which on PostgreSQL is what the statement's column types
    give."""

    def __init__(self, name, statement):
        self.name, self.statement = name, statement
        self.row = namedtuple("Row", statement.selected_columns.keys(), rename=True)
        self._compiled = None  # (PREPARE text, EXECUTE text, parameter names in $n order, their own values)

    def rows(self, session, params):
        engine = _read_engine(session)
        if session.in_transaction() or engine.dialect.name != "postgresql":
            return read_rows(session, self.statement, params)
        for attempt in (1, 2):
            connection = engine.raw_connection()
            try:
                return self._execute(connection, params, engine.dialect)
            except engine.dialect.dbapi.Error as exc:
                if attempt == 2 or not engine.dialect.is_disconnect(exc, connection.dbapi_connection, None):
                    raise
                connection.invalidate(exc)  # and read once more, on a new connection (see `read_rows`)
            finally:
                connection.close()  # back to the pool

    def _execute(self, connection, params, dialect):
        prepare, execute, names, defaults = self._compile(dialect)
        values = {**defaults, **params}
        prepared = connection.info.setdefault("prepared", set())  # lives as long as the connection
        with connection.cursor() as cursor:
            if self.name not in prepared:
                cursor.execute(prepare, ())  # with parameters, so that the driver makes %% a %
                prepared.add(self.name)
            cursor.execute(execute, tuple(values[name] for name in names))
            return [self.row._make(row) for row in cursor.fetchall()]

    def _compile(self, dialect):
        """PREPARE with $n for each named parameter, and its EXECUTE, built at the first read. A
        literal % stays doubled: the driver's own formatting makes it single."""
        if self._compiled is None:
            compiled = self.statement.compile(dialect=dialect)
            sql = str(compiled)
            names = list(dict.fromkeys(_NAMED_PARAMETER.findall(sql)))  # each once, in order
            sql = _NAMED_PARAMETER.sub(lambda m: f"${names.index(m.group(1)) + 1}", sql)
            # the values the statement holds itself (a literal SQLAlchemy made a parameter of)
            execute = f"EXECUTE {self.name}" + (f"({', '.join(['%s'] * len(names))})" if names else "")
            self._compiled = (f"PREPARE {self.name} AS {sql}", execute, names, compiled.params)
        return self._compiled


def service_db_url(config, service_name):
    try:
        return config["DB_URIS"][service_name]
    except KeyError:
        raise RuntimeError(f"DB_URIS.{service_name} is not configured") from None


class Database(DependencyProvider):
    """Injects a SQLAlchemy session bound to this service's own database."""

    def __init__(self):
        self.engine = self.read_engine = None
        self.sessions = {}

    def setup(self):
        url = service_db_url(self.container.config, self.container.service_name)
        workers = int(self.container.config.get("max_workers", DEFAULT_POOL_SIZE))
        self.engine = make_engine(url, workers)
        self.read_engine = make_read_engine(url, self.engine, workers)

    def stop(self):
        for engine in {self.engine, self.read_engine} - {None}:
            engine.dispose()

    def get_dependency(self, worker_ctx):
        session = Session(self.engine, expire_on_commit=False)
        session.info["read_engine"] = self.read_engine
        self.sessions[worker_ctx] = session
        return session

    def worker_teardown(self, worker_ctx):
        session = self.sessions.pop(worker_ctx, None)
        if session is not None:
            session.rollback()
            session.close()


def atomic(method):
    """Commit the worker's sessions when the entrypoint returns, roll back if it raises."""

    @functools.wraps(method)
    def wrapper(service, *args, **kwargs):
        sessions = [getattr(service, name) for klass in type(service).__mro__
                    for name, value in vars(klass).items() if isinstance(value, Database)]
        try:
            result = method(service, *args, **kwargs)
            for session in sessions:
                session.commit()
            return result
        except BaseException:
            for session in sessions:
                session.rollback()
            raise

    return wrapper
