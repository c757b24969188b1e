"""Contributions service: the policy of each HPF year and the employers' remittance accounts."""
from datetime import datetime, timezone

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import rpc

from services.contributions.models import EmployerAccount, Policy
from services.contributions.schemas import (
    EmployerChangedSchema, EmployerRegisteredSchema, PolicySchema)
from shared.clock import centre_today
from shared.db import Database, atomic
from shared.errors import BusinessError
from shared.months import hpf_year_of, hpf_year_of_month


class ContributionsService:
    name = "contributions"

    db = Database()
    config = Config()

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
        data = EmployerRegisteredSchema().load(payload)
        if self.db.get(EmployerAccount, data["unit_account"]) is None:  # redelivery is harmless
            self.db.add(EmployerAccount(**data, paid_up_to=None,
                                        created_at=datetime.now(timezone.utc)))

    @event_handler("employer", "employer_changed")
    @atomic
    def on_employer_changed(self, payload):
        """Keep the unit name and rates the remittance account was opened with up to date."""
        data = EmployerChangedSchema().load(payload)
        account = self.db.get(EmployerAccount, data["unit_account"])
        if account is not None:
            for name, value in data["values"].items():
                setattr(account, name, value)
