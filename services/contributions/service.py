"""Contributions service: the policy of each HPF year and the employers' remittance accounts."""
from datetime import datetime, timezone

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import RpcProxy, rpc
from sqlalchemy import update

from services.contributions.models import EmployerAccount, Policy
from services.contributions.schemas import (
    EmployerChangedSchema, EmployerRegisteredSchema, PolicySchema)
from shared.clock import centre_today
from shared.db import Database, atomic, upsert_insert
from shared.errors import BusinessError
from shared.months import hpf_year_of, hpf_year_of_month


KEPT_FROM_EMPLOYER = ("name", "employer_rate", "employee_rate")


class ContributionsService:
    name = "contributions"

    db = Database()
    config = Config()
    employer = RpcProxy("employer")

    @rpc
    def ping(self):
        return "ok"

    @rpc(expected_exceptions=BusinessError)
    def get_policy(self, year=None, month=None):
        """The policy of an HPF year (by year, by a YYYYMM month, or the current one)."""
        if year is None:
            year = hpf_year_of_month(month) if month else hpf_year_of(centre_today(self.config))
        policy = self.db.get(Policy, int(year))
        if policy is None:
            raise BusinessError("POLICY_MISSING", f"{year}年度缴存政策尚未设置，请联系中心")
        return PolicySchema().dump(policy)

    @event_handler("employer", "employer_registered")
    @atomic
    def on_employer_registered(self, payload):
        self._open_account(EmployerRegisteredSchema().load(payload))  # redelivery is harmless

    @event_handler("employer", "employer_changed")
    @atomic
    def on_employer_changed(self, payload):
        """Keep the unit name and rates of the remittance account as the employer's are now.

        They are read from the employer service (before any transaction here), with its version;
        a newer version already kept is never overwritten. Changes heard out of order (two queues,
        concurrent workers) or before the registration still end at the latest values."""
        data = EmployerChangedSchema().load(payload)
        if not set(data["changed"]) & set(KEPT_FROM_EMPLOYER):
            return  # nothing this account keeps
        now = EmployerRegisteredSchema().load(self.employer.get_employer(data["unit_account"]))
        self._open_account(now)  # heard before the registration
        self.db.execute(update(EmployerAccount)
                        .where(EmployerAccount.unit_account == now["unit_account"],
                               EmployerAccount.employer_version < now["employer_version"])
                        .values({name: now[name] for name in (*KEPT_FROM_EMPLOYER, "employer_version")}))

    def _open_account(self, data):
        """Open the remittance account unless it is open (a concurrent opening waits, then does nothing)."""
        self.db.execute(upsert_insert(self.db, EmployerAccount)
                        .values(**data, paid_up_to=None, created_at=datetime.now(timezone.utc))
                        .on_conflict_do_nothing(index_elements=["unit_account"]))
