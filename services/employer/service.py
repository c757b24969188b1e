"""Employer service: employers and their clerks (more in later issues)."""
from nameko.dependency_providers import Config
from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc
from sqlalchemy.exc import IntegrityError

from services.employer import rules, store
from services.employer.schemas import (
    EmployerOutSchema, EmployerRegisteredSchema, RegisterEmployerSchema, VerifyClerkSchema)
from shared.db import Database, atomic
from shared.errors import BusinessError, conflict, not_found
from shared.schemas import load


class EmployerService:
    name = "employer"

    db = Database()
    config = Config()
    dispatch = EventDispatcher()
    contributions = RpcProxy("contributions")

    @rpc
    def ping(self):
        return "ok"

    @rpc(expected_exceptions=BusinessError)
    @atomic
    def register_employer(self, data):
        """Centre side (counter): register an employer and its clerks."""
        data = load(RegisterEmployerSchema(), data)
        rules.check_rates(data["employer_rate"], data["employee_rate"],
                          self.contributions.get_policy())
        if store.employer_by_credit_code(self.db, data["credit_code"]) is not None:
            raise conflict("EMPLOYER_EXISTS", "该统一社会信用代码的单位已登记")
        try:
            employer = store.add_employer(self.db, data, self.config["CENTRE"]["unit_account_prefix"])
        except IntegrityError:
            self.db.rollback()
            raise conflict("EMPLOYER_EXISTS", "该统一社会信用代码的单位已登记") from None
        result = EmployerOutSchema().dump(employer)
        self.db.commit()  # the fact is durable before anyone hears of it
        self.dispatch("employer_registered", EmployerRegisteredSchema().dump(employer))
        return result

    @rpc(expected_exceptions=BusinessError)
    def get_employer(self, unit_account):
        employer = store.employer_by_unit_account(self.db, unit_account)
        if employer is None:
            raise not_found("单位")
        return EmployerOutSchema().dump(employer)

    @rpc(expected_exceptions=BusinessError)
    def find_employer_by_credit_code(self, credit_code):
        """Centre side: the employer registered under a credit code, or None."""
        employer = store.employer_by_credit_code(self.db, str(credit_code).strip().upper())
        return None if employer is None else EmployerOutSchema().dump(employer)

    @rpc(expected_exceptions=BusinessError)
    def get_employer_for_auth(self, unit_account):
        """Internal to auth: what the password rules need, unmasked."""
        employer = store.employer_by_unit_account(self.db, unit_account)
        if employer is None:
            raise not_found("单位")
        return {"unit_account": employer.unit_account, "name": employer.name,
                "clerk_id_numbers": [clerk.id_number for clerk in employer.clerks]}

    @rpc(expected_exceptions=BusinessError)
    def verify_clerk(self, identity):
        """The clerk id when every identity field matches a clerk of that employer, else None."""
        identity = load(VerifyClerkSchema(), identity)
        employer = store.employer_by_unit_account(self.db, identity["unit_account"].strip())
        if employer is None or employer.name != identity["unit_name"].strip():
            return None
        for clerk in employer.clerks:
            if rules.clerk_matches(clerk, name=identity["clerk_name"],
                                   id_number=identity["clerk_id_number"],
                                   mobile=identity["clerk_mobile"]):
                return {"clerk_id": clerk.id, "clerk_name": clerk.name, "mobile": clerk.mobile,
                        "unit_account": employer.unit_account}
        return None
