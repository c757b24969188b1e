"""Queries and writes of the employer service."""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.employer.models import Clerk, Employer
from services.employer.rules import unit_account_for


def employer_by_unit_account(session, unit_account):
    return session.scalars(
        select(Employer).options(selectinload(Employer.clerks))
        .where(Employer.unit_account == unit_account)).one_or_none()


def employer_by_credit_code(session, credit_code):
    return session.scalars(select(Employer).where(Employer.credit_code == credit_code)).one_or_none()


def add_employer(session, data, prefix):
    clerks = data.pop("clerks")
    employer = Employer(**data, status="正常", opened_on=date.today(),
                        created_at=datetime.now(timezone.utc))
    employer.clerks = [Clerk(**clerk) for clerk in clerks]
    session.add(employer)
    session.flush()  # the database's id makes the unit account unique across replicas
    employer.unit_account = unit_account_for(prefix, employer.id)
    session.flush()
    return employer
