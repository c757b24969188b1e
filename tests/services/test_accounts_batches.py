"""Opening batches in the hard cases: a lost start event, a concurrent opening of the same person."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from services.accounts import opening, rules, store
from services.accounts.models import Member, OpeningBatch, OpeningRow
from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from shared.db import make_engine
from tests.factories import mobile, resident_ids
from tests.waiting import wait_for

UNIT = "610199990001"


@pytest.fixture(scope="module")
def engine(db_urls):
    engine = make_engine(db_urls["accounts"])
    yield engine
    engine.dispose()


@pytest.fixture(scope="module", autouse=True)
def lost_batch_then_services(engine, start_service):
    """The batch and its rows are committed; its start event never left. Then the service starts."""
    with Session(engine) as session:
        store.add_drafts(session, UNIT, [{"row_no": i + 2, "name": f"职工{i}", "id_number": number,
                                          "base": "5000.00", "mobile": mobile(), "household": "",
                                          "address": "", "phone": ""}
                                         for i, number in enumerate(resident_ids(5))])
        batch = store.create_batch(session, UNIT, "某单位", "某经办", "lost-start-event", date.today())
        batch.updated_at -= timedelta(hours=1)
        session.commit()
    start_service(ContributionsService)
    start_service(AccountsService)


def test_f3_1_sweep_at_start_up_opens_a_batch_whose_start_event_was_lost(engine):
    def announced():
        with Session(engine) as session:
            return session.scalars(select(OpeningBatch).where(OpeningBatch.task_id == "lost-start-event",
                                                              OpeningBatch.announced.is_(True))).one_or_none()
    batch = wait_for(announced, timeout=30)
    assert (batch.status, batch.done, batch.failed) == ("succeeded", 5, 0)


class Snapshots:
    def __init__(self):
        self.tasks = []

    def report(self, task):
        task.seq += 1
        self.tasks.append(task.snapshot())


def test_f3_1_same_person_opened_concurrently_fails_alone_through_the_unique_index(engine, config):
    """Two rows of one person reach the same chunk (as two concurrent batches would): the bulk
    insert trips the index, the chunk is redone row by row, and only the second row fails."""
    unit = "610199990002"
    first, other = resident_ids(2, first_birth=date(1985, 5, 5))
    with Session(engine, expire_on_commit=False) as session:
        store.add_drafts(session, unit, [{"row_no": 2, "name": "甲", "id_number": first, "base": "5000.00",
                                          "mobile": mobile(), "household": "", "address": "", "phone": ""},
                                         {"row_no": 3, "name": "乙", "id_number": other, "base": "5000.00",
                                          "mobile": mobile(), "household": "", "address": "", "phone": ""}])
        batch = store.create_batch(session, unit, "某单位", "某经办", "same-person-twice", date.today())
        session.execute(insert(OpeningRow).values(batch_id=batch.id, row_no=4, name="甲", id_number=first,
                                                  base="5000.00", mobile=mobile(), household="", address="",
                                                  phone="", state="pending"))
        batch.total = 3
        session.commit()
        limits = rules.OpeningLimits.of({"base_floor": "2160.00", "base_cap": "27000.00"},
                                        config["ACCOUNTS"], date.today())
        snapshots, events = Snapshots(), []
        opening.run_batch(session, batch.id, limits, snapshots, lambda name, payload: events.append(payload),
                          config["CENTRE"]["unit_account_prefix"])
        final = snapshots.tasks[-1]
        assert (final["status"], final["done"], final["failed"]) == ("partial", 2, 1)
        [error] = final["errors"]
        assert error["row"] == 4 and "已有正常状态" in error["message"] and error["original"]["个人姓名"] == "甲"
        assert sorted(m["id_number"] for m in events[0]["members"]) == sorted([first, other])
        assert session.scalar(select(func.count()).select_from(Member).where(Member.unit_account == unit)) == 2
