"""Opening a submitted batch (the runner is `batches`): a member's account number is derived
from its row's id, so a chunk repeated after a crash cannot open a row twice."""
from sqlalchemy.exc import IntegrityError

from services.accounts import batches, rules, store
from services.accounts.templates import HEADERS
from shared.money import money_str


def _failed_rows(session, batch_id):
    return [{"row": row.row_no, "column": row.column, "message": row.error,
             "original": {HEADERS[key]: _text(getattr(row, key)) for key in HEADERS}}
            for row in store.failed_rows(session, batch_id)]


def _announce_members(session, batch, dispatch):
    """`members_opened`, shaped as MembersOpenedSchema documents it; built directly, as a schema's
    dump of each of a big batch's members costs more than writing them."""
    members = [{"account_no": m.account_no, "id_number": m.id_number, "name": m.name, "base": money_str(m.base)}
               for m in store.batch_members(session, batch.id)]
    dispatch("members_opened", {"unit_account": batch.unit_account, "batch_no": batch.batch_no,
                                "opened_on": batch.opened_on.isoformat(), "members": members})


def _apply(session, batch, rows, context):
    limits, prefix = context
    return _open_chunk(session, batch, rows, limits, prefix)


OPENING = batches.BatchKind(kind="open", task_kind="open_accounts", title="个人开户", done_word="开户",
                            pending_rows=store.pending_rows, apply_chunk=_apply, failed_rows=_failed_rows,
                            announced=_announce_members)


def run_batch(session, batch_id, limits, reporter, dispatch, prefix):
    batches.run_batch(session, OPENING, batch_id, (limits, prefix), reporter, dispatch)


def commit_and_report(session, batch, reporter):
    batches.commit_and_report(session, OPENING, batch, reporter)


def _text(value):
    return "" if value is None else str(value)


def _open_chunk(session, batch, rows, limits, prefix):
    taken = store.normal_accounts(session, [row.id_number for row in rows])
    members, failures = [], []
    shared = {"unit_account": batch.unit_account, "batch_id": batch.id, "id_type": "01", "status": rules.NORMAL,
              "opened_on": batch.opened_on, "created_at": store.now()}
    for row in rows:
        clean, problems, person = rules.check_member(row._mapping, limits)
        duplicate = not problems and rules.check_unique(clean["id_number"], (), taken, batch.unit_account)
        if problems or duplicate:
            column, message = duplicate or problems[0]
            failures.append({"id": row.id, "column": column, "error": message})
            continue
        members.append({**clean, "account_no": rules.account_no_for(prefix, row.id), "opening_row_id": row.id,
                        "sex": person.sex, "birth_date": person.birth_date})
    try:
        with session.begin_nested():
            store.add_members(session, members, shared)
    except IntegrityError:
        # a concurrent opening of the same person: find the rows concerned one by one
        failed = _open_one_by_one(session, members, shared)
        failures += [{"id": row_id, "column": HEADERS["id_number"], "error": rules.DUPLICATE_ACCOUNT}
                     for row_id in failed]
        members = [m for m in members if m["opening_row_id"] not in failed]
    store.mark_opened(session, [m["opening_row_id"] for m in members])
    store.mark_failed(session, failures)
    return len(members), len(failures)


def _open_one_by_one(session, members, shared):
    failed = set()
    for member in members:
        try:
            with session.begin_nested():
                store.add_members(session, [member], shared)
        except IntegrityError:
            failed.add(member["opening_row_id"])
    return failed
