"""A batch committed without its start event (the process died first) is opened by the start-up sweep."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts import store
from services.accounts.models import OpeningBatch
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
