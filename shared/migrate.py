"""Alembic per service: each service's history lives in services/NAME/migrations."""
import importlib

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.config import ROOT
from shared.db import UtcDateTime, make_engine, service_db_url


def alembic_config(service, url):
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(service, url):
    command.upgrade(alembic_config(service, url), "head")


def prepare(service, config):
    """Migrate the service's database, then seed what it seeds from configuration.

    Replicas starting together take turns (a PostgreSQL advisory lock around both steps).
    """
    url = service_db_url(config, service)
    try:
        bootstrap = importlib.import_module(f"services.{service}.bootstrap").bootstrap
    except ModuleNotFoundError:
        bootstrap = None
    engine = make_engine(url)
    lock = engine.connect() if engine.dialect.name == "postgresql" else None
    key = {"key": f"migrate:{service}"}
    try:
        if lock is not None:
            lock.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), key)
        upgrade(service, url)
        if bootstrap is not None:
            with Session(engine) as session:
                bootstrap(session, config)
                session.commit()
    finally:
        if lock is not None:
            lock.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), key)
            lock.close()
        engine.dispose()


def _render_item(type_, obj, autogen_context):
    """Migrations name the plain column type, not the Python-side decorator."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(metadata):
    """Body of every service's migrations/env.py."""
    from alembic import context

    cfg = context.config
    url = cfg.attributes.get("url") or cfg.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True, render_item=_render_item)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
