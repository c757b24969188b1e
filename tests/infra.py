"""Real broker and database for tests, isolated per run.

RabbitMQ comes from AMQP_URI and PostgreSQL from DATABASE_URL (an admin URL) when set,
else from this machine's standard ports, else testcontainers starts them (needs Docker). Each test module gets its
own vhost and each run its own databases, so two runs never see each other's messages
or rows.
"""
import os
import shutil
import socket
import subprocess
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.config import load_config
from shared.migrate import prepare
from shared.runner import DATA_SERVICES

_containers = {}


def _container(kind):
    if kind not in _containers:
        if kind == "rabbitmq":
            from testcontainers.rabbitmq import RabbitMqContainer
            _containers[kind] = RabbitMqContainer("rabbitmq:3.13-management").start()
        else:
            from testcontainers.postgres import PostgresContainer
            _containers[kind] = PostgresContainer("postgres:15", driver="psycopg2").start()
    return _containers[kind]


def stop_containers():
    for container in _containers.values():
        container.stop()
    _containers.clear()


LOCAL_BROKER = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _listening(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def broker_uri():
    """AMQP_URI if set, else a broker on this machine, else a testcontainer."""
    if os.environ.get("AMQP_URI"):
        return os.environ["AMQP_URI"]
    if _listening(5672):
        return LOCAL_BROKER
    rabbit = _container("rabbitmq")
    return (f"amqp://guest:guest@{rabbit.get_container_host_ip()}:"
            f"{rabbit.get_exposed_port(5672)}/")


def admin_db_url():
    """DATABASE_URL (an admin URL) if set, else PostgreSQL on this machine, else a testcontainer."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if _listening(5432):
        return LOCAL_POSTGRES
    return _container("postgres").get_connection_url()


def with_vhost(amqp_uri, vhost):
    parts = urlsplit(amqp_uri)
    return urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))


def _management(amqp_uri):
    parts = urlsplit(amqp_uri)
    base = os.environ.get("RABBITMQ_MANAGEMENT_URL") or f"http://{parts.hostname}:15672"
    return base.rstrip("/"), (parts.username or "guest", parts.password or "guest")


def create_vhost(amqp_uri, vhost):
    base, auth = _management(amqp_uri)
    try:
        response = requests.put(f"{base}/api/vhosts/{quote(vhost, safe='')}", auth=auth, timeout=10)
        response.raise_for_status()
        requests.put(f"{base}/api/permissions/{quote(vhost, safe='')}/{quote(auth[0])}", auth=auth,
                     json={"configure": ".*", "write": ".*", "read": ".*"}, timeout=10).raise_for_status()
    except requests.RequestException:
        if not shutil.which("rabbitmqctl"):
            raise
        subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, auth[0], ".*", ".*", ".*"],
                       check=True, capture_output=True)
    return with_vhost(amqp_uri, vhost)


def delete_vhost(amqp_uri, vhost):
    base, auth = _management(amqp_uri)
    try:
        requests.delete(f"{base}/api/vhosts/{quote(vhost, safe='')}", auth=auth, timeout=10)
    except requests.RequestException:
        if shutil.which("rabbitmqctl"):
            subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)


def run_id():
    return uuid.uuid4().hex[:10]


def create_databases(admin_url, prefix):
    """One fresh PostgreSQL database per data service, migrated and seeded."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    urls = {}
    with admin.connect() as conn:
        for name in DATA_SERVICES:
            database = f"{prefix}_{name}"
            conn.execute(text(f'CREATE DATABASE "{database}"'))
            urls[name] = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    admin.dispose()
    return urls


def drop_databases(admin_url, urls):
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for url in urls.values():
            database = make_url(url).database
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


def service_config(amqp_uri, db_urls, **overrides):
    config = load_config(environ={})
    config["AMQP_URI"] = amqp_uri
    config["DB_URIS"] = dict(db_urls)
    config["HPF_MODE"] = "dev"
    config.update(overrides)
    return config


def migrate_all(config):
    for name in DATA_SERVICES:
        prepare(name, config)


def db_env(db_urls):
    """The environment variables that point each service at its database."""
    return {f"{name.upper()}_DB_URL": url for name, url in db_urls.items()}
