"""`make run`'s default: every service's database migrated and seeded on SQLite files."""
from sqlalchemy import create_engine, text

from shared.config import load_config
from shared.migrate import prepare
from shared.runner import DATA_SERVICES


def test_every_service_migrates_and_seeds_on_sqlite_twice(tmp_path):
    config = load_config(environ={f"{name.upper()}_DB_URL": f"sqlite:///{tmp_path}/{name}.db"
                                  for name in DATA_SERVICES})
    for _ in range(2):  # the second run finds everything in place and changes nothing
        for name in DATA_SERVICES:
            prepare(name, config)
    engine = create_engine(f"sqlite:///{tmp_path}/contributions.db")
    with engine.connect() as conn:
        years = conn.execute(text("select year from policies order by year")).scalars().all()
    engine.dispose()
    assert years == [int(seed["year"]) for seed in config["POLICY_SEED"]]
