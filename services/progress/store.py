"""Queries and writes of the progress service."""
from sqlalchemy import func, select

from services.progress.models import TaskRecord
from shared.db import upsert_insert
from shared.tasks import FINAL_STATUSES

_TABLE = TaskRecord.__table__
ROW_COLUMNS = [c for c in _TABLE.c if c.name != "errors"]


def save_snapshot(session, row):
    """Insert the task, or replace it only when this snapshot's seq is higher.

    One statement, so replicas receiving snapshots of one task in any order agree. A task never
    changes employer: a snapshot claiming another is ignored."""
    insert = upsert_insert(session, _TABLE).values(**row)
    session.execute(insert.on_conflict_do_update(
        index_elements=[_TABLE.c.task_id],
        set_={name: insert.excluded[name] for name in row if name != "task_id"},
        where=(_TABLE.c.seq < insert.excluded.seq) & (_TABLE.c.employer_id == insert.excluded.employer_id)))


def get_task(session, employer_id, task_id):
    return session.execute(select(_TABLE).where(
        _TABLE.c.task_id == task_id, _TABLE.c.employer_id == employer_id)).mappings().one_or_none()


def _page(session, query, order, page, page_size):
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(order.desc(), _TABLE.c.task_id.desc())
                           .limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return rows, total


def _between(query, column, lower, upper):
    if lower is not None:
        query = query.where(column >= lower)
    if upper is not None:
        query = query.where(column < upper)
    return query


def list_tasks(session, employer_id, filters, lower, upper):
    query = select(*ROW_COLUMNS).where(_TABLE.c.employer_id == employer_id)
    for name in ("kind", "needs_review", "status"):
        if name in filters:
            query = query.where(_TABLE.c[name] == filters[name])
    query = _between(query, _TABLE.c.submitted_at, lower, upper)
    return _page(session, query, _TABLE.c.submitted_at, filters["page"], filters["page_size"])


def list_results(session, employer_id, filters, lower, upper):
    query = select(*ROW_COLUMNS).where(_TABLE.c.employer_id == employer_id,
                                      _TABLE.c.status.in_(FINAL_STATUSES))
    if "kind" in filters:
        query = query.where(_TABLE.c.kind == filters["kind"])
    query = _between(query, _TABLE.c.finished_at, lower, upper)
    return _page(session, query, _TABLE.c.finished_at, filters["page"], filters["page_size"])


def list_kinds(session, employer_id):
    """The transactions this employer has submitted, for the query's choice of 交易名称."""
    latest = func.max(_TABLE.c.submitted_at)
    return session.execute(select(_TABLE.c.kind, func.max(_TABLE.c.title).label("title"))
                           .where(_TABLE.c.employer_id == employer_id)
                           .group_by(_TABLE.c.kind).order_by(latest.desc())).mappings().all()
