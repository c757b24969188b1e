"""Opening batches in the hard cases: a lost start event, two workers on one batch, a concurrent
opening of the same person."""
from datetime import date, timedelta

import eventlet
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from services.accounts import opening, rules, store
from services.accounts.models import Member, OpeningBatch, OpeningRow
from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from shared.tasks import FINAL_STATUSES
from tests.factories import business_date, mobile, resident_id, resident_ids
from tests.waiting import wait_for

UNIT, OLD_UNIT = "610199990001", "610199990021"


@pytest.fixture(scope="module")
def engine(db_engine):
    return db_engine("accounts")


def roster(count):
    return [{"row_no": i + 2, "name": f"职工{i}", "id_number": number, "base": "5000.00", "mobile": mobile(),
             "household": "", "address": "", "phone": ""} for i, number in enumerate(resident_ids(count))]


def limits_of(config):
    return rules.OpeningLimits.of({"base_floor": "2160.00", "base_cap": "27000.00"}, config["ACCOUNTS"],
                                  date.today())


@pytest.fixture(scope="module", autouse=True)
def lost_batch_then_services(engine, start_service):
    """The batch and its rows are committed; its start event never left. Then the service starts."""
    with Session(engine) as session:
        store.add_drafts(session, UNIT, roster(5))
        batch = store.create_batch(session, UNIT, "某单位", "某经办", "lost-start-event", date.today())
        batch.updated_at -= timedelta(hours=1)
        session.commit()
    with Session(engine) as session:  # submitted 30 days ago by a man of 60 then, who is 61 today
        day = business_date() - timedelta(days=30)
        birth = date(day.year - 61, day.month, day.day) + timedelta(days=10)
        store.add_drafts(session, OLD_UNIT, [{**roster(1)[0], "id_number": resident_id(birth=birth, male=True)}])
        batch = store.create_batch(session, OLD_UNIT, "某单位", "某经办", "resumed-a-month-later", day)
        batch.updated_at -= timedelta(hours=1)
        session.commit()
    start_service(ContributionsService)
    start_service(AccountsService)


def test_f3_1_a_batch_resumed_later_is_judged_as_of_its_own_opening_date(engine):
    def announced():
        with Session(engine) as session:
            return session.scalars(select(OpeningBatch).where(OpeningBatch.task_id == "resumed-a-month-later",
                                                              OpeningBatch.announced.is_(True))).one_or_none()
    batch = wait_for(announced, timeout=30)
    assert (batch.status, batch.done, batch.failed) == ("succeeded", 1, 0)


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

    def publish(self, task):
        self.tasks.append(task.snapshot())


@pytest.mark.parametrize("lingers, unit", [("holding its rows", "610199990011"),
                                           ("after each snapshot", "610199990012")])
def test_f3_1_two_workers_on_one_batch_announce_it_once_with_the_highest_seq(engine, config, monkeypatch,
                                                                             lingers, unit):
    """The sweep and a redelivered start event (or two replicas' sweeps) run one batch at once, one
    of them slowly: no seq is taken twice, and the batch ends with one final snapshot, the one with
    the highest seq, and one `members_opened`."""
    with Session(engine) as session:
        store.add_drafts(session, unit, roster(100))
        batch_id = store.create_batch(session, unit, "某单位", "某经办", f"two-workers-{unit}", date.today()).id
        session.commit()
    snapshots, events, slow = Snapshots(), [], set()

    def linger(where):
        if where == lingers and eventlet.getcurrent() in slow:
            eventlet.sleep(0.2)
    open_chunk, publish = opening._open_chunk, snapshots.publish
    monkeypatch.setattr(opening, "_open_chunk", lambda *args: (open_chunk(*args), linger("holding its rows"))[0])
    monkeypatch.setattr(snapshots, "publish", lambda task: (publish(task), linger("after each snapshot")))

    def worker(is_slow):
        if is_slow:
            slow.add(eventlet.getcurrent())
        with Session(engine, expire_on_commit=False) as session:
            opening.run_batch(session, batch_id, limits_of(config), snapshots,
                              lambda name, payload: events.append(payload),
                              config["CENTRE"]["unit_account_prefix"])
    for thread in [eventlet.spawn(worker, False), eventlet.spawn(worker, True)]:
        thread.wait()
    seqs = [task["seq"] for task in snapshots.tasks]
    assert len(seqs) == len(set(seqs))
    newest = max(snapshots.tasks, key=lambda task: task["seq"])
    assert [task for task in snapshots.tasks if task["status"] in FINAL_STATUSES] == [newest]
    assert (newest["status"], newest["done"], newest["failed"]) == ("succeeded", 100, 0)
    [event] = events
    assert len(event["members"]) == 100
    with Session(engine) as session:
        batch = session.get(OpeningBatch, batch_id)
        assert (batch.status, batch.seq, batch.announced) == ("succeeded", newest["seq"], True)


def test_f3_1_two_sweeps_claim_a_stale_batch_once(engine):
    with Session(engine) as session:
        store.add_drafts(session, "610199990004", roster(1))
        batch = store.create_batch(session, "610199990004", "某单位", "某经办", "two-sweeps", date.today())
        batch.updated_at -= timedelta(seconds=30)  # stale for this test, not yet for the running service
        session.commit()
        batch_id = batch.id
    stale_before = store.now() - timedelta(seconds=10)
    with Session(engine) as first, Session(engine) as second:
        claimed = store.claim_stale_batches(first, stale_before)
        other = eventlet.spawn(store.claim_stale_batches, second, stale_before)
        eventlet.sleep(0.2)
        first.commit()
        assert (batch_id, "open") in claimed and batch_id not in {found for found, _ in other.wait()}


def test_f3_1_a_roster_submitted_twice_at_once_goes_into_one_batch(engine):
    unit = "610199990005"
    with Session(engine) as session:
        store.add_drafts(session, unit, roster(5))
        session.commit()
    with Session(engine) as first, Session(engine) as second:
        batch = store.create_batch(first, unit, "某单位", "某经办", "submitted-first", date.today())
        other = eventlet.spawn(store.create_batch, second, unit, "某单位", "某经办", "submitted-second",
                               date.today())
        eventlet.sleep(0.2)
        first.commit()
        assert batch.total == 5 and other.wait() is None


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
        snapshots, events = Snapshots(), []
        opening.run_batch(session, batch.id, limits_of(config), snapshots,
                          lambda name, payload: events.append(payload), config["CENTRE"]["unit_account_prefix"])
        final = snapshots.tasks[-1]
        assert (final["status"], final["done"], final["failed"]) == ("partial", 2, 1)
        [error] = final["errors"]
        assert error["row"] == 4 and "已有正常状态" in error["message"] and error["original"]["个人姓名"] == "甲"
        assert sorted(m["id_number"] for m in events[0]["members"]) == sorted([first, other])
        assert session.scalar(select(func.count()).select_from(Member).where(Member.unit_account == unit)) == 2
