"""The accounts service's seal, unseal and transfer rosters (F9, F10): checking rows as they are
added or uploaded. A mixin of the service: it uses the service's database, configuration and
proxies."""
from services.accounts import rules, status, status_rules
from shared.clock import centre_today
from shared.errors import conflict, not_found, validation_error
from shared.months import HPF_YEAR_FIRST_MONTH, month_of
from shared.text import normalize_text


class StatusChanges:
    """Seal, unseal and transfer in (F9, F10) through one roster flow, and merge (F8)."""

    def _reasons(self, kind):
        return tuple(self.config["ACCOUNTS"]["reasons"][kind])

    def _change_context(self, kind, unit_account, today=None):
        """What a kind's rule needs besides the rows: the July rule, the year's bounds and ages."""
        today = today or centre_today(self.config)
        context = status_rules.Context(unit_account=unit_account, reasons=self._reasons(kind), today=today)
        if kind == status_rules.SEAL and today.month == HPF_YEAR_FIRST_MONTH:
            pending = self.contributions.annual_verification_pending(unit_account, month_of(today))["pending"]
            context.july_blocked = status_rules.july_blocks_sealing(today, pending)
        if kind == status_rules.UNSEAL:
            context.limits = self._limits(today)
        return context

    def on_open_verifications(self, accounts):
        """Of these (employer, account no.) pairs, the accounts on a verification of that employer
        not yet posted, which cannot move away until it is (one call per employer)."""
        by_unit = {}
        for unit, account_no in accounts:
            by_unit.setdefault(unit, []).append(account_no)
        found = set()
        for unit, numbers in by_unit.items():
            found.update(self.contributions.members_on_open_verifications(unit, numbers)["account_nos"])
        return found

    def check_change_rows(self, kind, unit_account, rows, context):
        """(row_no, values, cell problems) → (good rows for the roster, failures (row_no, values, problem))."""
        rows = list(rows)
        if kind == status_rules.TRANSFER:
            ids = [status_rules.clean_id_number(v.get("id_number"))[0] for _, v, _ in rows]
            members = status.members_by_person(self.db, [person.number for person in ids if person])
        else:
            numbers = [status_rules.clean_account_no(v.get("account_no"))[0] for _, v, _ in rows]
            members = status.members_by_account(self.db, [number for number in numbers if number])
        resolved = []
        for row_no, values, cell_problems in rows:
            clean, member, problem = status_rules.resolve_row(kind, {**values, "row_no": row_no}, members, unit_account)
            reason, reason_problem = status_rules.clean_reason(values.get("reason"), context.reasons)
            clean["reason"] = reason
            resolved.append((clean, member, cell_problems or problem or reason_problem))
        found = [member for _, member, problem in resolved if member is not None and not problem]
        if kind == status_rules.UNSEAL:
            status.unseal_context(self.db, context, [{"account_no": m.account_no, "id_number": m.id_number}
                                                     for m in found])
        if kind == status_rules.TRANSFER:
            context.on_open_verification = self.on_open_verifications(
                [(member.unit_account, member.account_no) for _, member, problem in resolved
                 if member is not None and not problem])
        in_roster = status.roster_accounts(self.db, kind, unit_account, [m.account_no for m in found])
        good, failures, seen = [], [], set()
        for (clean, member, problem), (row_no, values, _) in zip(resolved, rows):
            if not problem:
                problem = status_rules.check_resolved(kind, clean, member, context)
            if not problem and (clean["account_no"] in in_roster or clean["account_no"] in seen):
                problem = status_rules.Problem("IN_ROSTER", "account_no", "该账户已在清册中")
            if problem:
                failures.append((row_no, values, problem))
            else:
                seen.add(clean["account_no"])
                good.append(clean)
        return good, failures

    def add_change_rows(self, kind, unit_account, good):
        if good and status.add_drafts(self.db, kind, unit_account, good) is None:
            raise conflict("ROSTER_CHANGED", "清册已被同时修改，请刷新后重试")

    def add_checked_change_draft(self, kind, unit_account, values):
        """One row a clerk adds: seal and unseal find the member by exactly one of account no., ID
        number or name (several by one name: the clerk picks by account no.)."""
        if kind != status_rules.TRANSFER:
            values = dict(values, **self._found_member(kind, unit_account, values))
        good, failures = self.check_change_rows(kind, unit_account, [(None, values, [])],
                                                 self._change_context(kind, unit_account))
        if failures:  # a typed row has no cell problems: its one problem is the rule's
            raise status_rules.problem_error(failures[0][2])
        self.add_change_rows(kind, unit_account, good)
        return status.draft_by_account(self.db, kind, unit_account, good[0]["account_no"])

    def _found_member(self, kind, unit_account, values):
        finders = {key: str(values.get(key) or "").strip() for key in ("account_no", "id_number", "name")}
        finders = {key: value for key, value in finders.items() if value}
        if len(finders) != 1:
            raise validation_error([{"field": "", "message": "请按个人账号、证件号码、姓名中的一项查找职工"}])
        (field, value), = finders.items()
        if field == "account_no":
            return {"account_no": value}
        found = status.find_members(self.db, unit_account, field,
                                    normalize_text(value).upper() if field == "id_number" else value)
        wanted = status_rules.SEALED if kind == status_rules.UNSEAL else rules.NORMAL
        if len(found) > 1:  # one person's several accounts here: the one this change can apply to
            found = [m for m in found if m.status == wanted] or found
        if not found:
            raise not_found("该职工的个人账户")
        if len(found) > 1:
            raise status_rules.problem_error(status_rules.Problem(
                "MEMBER_AMBIGUOUS", field, "查到多名职工，请按个人账号选择：" + "、".join(
                    f"{m.account_no}（{m.name}，{rules.STATUSES.get(m.status, m.status)}）" for m in found)))
        return {"account_no": found[0].account_no, "name": found[0].name}


def kind_of(kind):
    if kind not in status.KINDS:
        raise not_found("业务类型")
    return kind


def change_errors(failures, template):
    """Failures of an upload as the import's error rows ({row, column, message, original})."""
    headers = {column.key: column.header for column in template.columns}
    errors = []
    for row_no, values, problem in failures:
        original = {headers[key]: values.get(key, "") for key in headers}
        problems = problem if isinstance(problem, list) else [
            {"row": row_no, "column": headers.get(problem.column, status_rules.COLUMNS.get(problem.column, "")),
             "message": problem.message}]
        errors += [{"row": p["row"], "column": p["column"], "message": p["message"], "original": original}
                   for p in problems]
    return errors
