"""Member status changes against the real RabbitMQ and PostgreSQL: seal, unseal, transfer in
(F9.1-F9.5, F10.1-F10.3), merge (F8.1, F8.2), one normal account per person in the centre."""
import base64
import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from kombu import Connection
from openpyxl import load_workbook
from sqlalchemy import text

from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.clock import centre_today
from shared.errors import BusinessError
from shared.months import month_of
from shared.tasks import task_queue
from tests.factories import employer_data, resident_id
from tests.pdfs import text_of
from tests.posting import open_members
from tests.waiting import final_snapshot, final_snapshots, wait_for


@pytest.fixture(scope="module", autouse=True)
def services(start_service):
    for service in (EmployerService, ContributionsService, AccountsService):
        start_service(service)


@pytest.fixture(scope="module")
def engine(db_engine):
    return db_engine("accounts")


@pytest.fixture(scope="module")
def snapshots(config):
    with Connection(config["AMQP_URI"]) as conn:
        queue = task_queue("status-test")(conn.default_channel)
        queue.declare()
        yield queue
        queue.delete()


def new_employer(rpc, config, members=0):
    registered = rpc.employer.register_employer(employer_data(first_month=month_of(centre_today(config))))
    unit, clerk = registered["unit_account"], registered["clerks"][0]["id"]
    return unit, clerk


def opened(engine, config, unit, count):
    return open_members(engine, config, unit, count)


def sql(engine, statement, **params):
    with engine.begin() as conn:
        return conn.execute(text(statement), params)


def member(engine, account_no):
    return sql(engine, "select unit_account, status, base, balance, id_number, name from members "
                       "where account_no = :a", a=account_no).one()


def sealed_last_month(engine, config, unit, account_no):
    """A member this employer sealed in an earlier month (online, unsealing waits a month)."""
    earlier = centre_today(config).replace(day=1) - timedelta(days=3)
    sql(engine, "update members set status = '02' where account_no = :a", a=account_no)
    sql(engine, "insert into status_changes (kind, unit_account, account_no, name, id_number, reason, old_status,"
                " new_status, clerk_name, changed_on, changed_at) select 'seal', unit_account, account_no, name,"
                " id_number, '离职', '01', '02', '某经办', :d, now() from members where account_no = :a",
        a=account_no, d=earlier)


def credit(engine, account_no, amount):
    """Money on the account as a posted row would leave it: ledger row and balance together."""
    row = member(engine, account_no)
    balance = row.balance + Decimal(amount)
    sql(engine, "insert into member_ledger (account_no, unit_account, value_date, type, amount, balance_after,"
                " reference, summary, created_at) values (:a, :u, current_date, '01', :m, :b, :r, '', now())",
        a=account_no, u=row.unit_account, m=Decimal(amount), b=balance, r=f"T{time.monotonic_ns()}")
    sql(engine, "update members set balance = :b where account_no = :a", a=account_no, b=balance)


def refused(code, call, *args, **kwargs):
    with pytest.raises(BusinessError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code, exc.value
    return exc.value


def submit(rpc, snapshots, kind, unit, clerk, draft_ids=None):
    answer = rpc.accounts.submit_changes(kind, unit, clerk, {"draft_ids": draft_ids} if draft_ids else {})
    return answer, final_snapshot(snapshots, answer["task_id"])


def upload(rpc, kind, unit, rows):
    wb = load_workbook(io.BytesIO(base64.b64decode(rpc.accounts.change_template(kind)["content_base64"])))
    ws = wb.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return rpc.accounts.import_change_file(kind, unit, base64.b64encode(buffer.getvalue()).decode())


def test_f9_1_seal_found_by_account_id_or_name_and_submitted_as_a_task(rpc, engine, config, snapshots):
    unit, clerk = new_employer(rpc, config)
    a, b, c = opened(engine, config, unit, 3)
    b_row, c_row = member(engine, b), member(engine, c)
    assert rpc.accounts.change_reasons("seal")[:2] == ["离职", "调出"]
    first = rpc.accounts.add_change_draft("seal", unit, {"account_no": a, "reason": "离职"})
    assert (first["account_no"], first["reason"], first["base"]) == (a, "离职", None)
    rpc.accounts.add_change_draft("seal", unit, {"id_number": b_row.id_number.lower(), "reason": "调出"})
    rpc.accounts.add_change_draft("seal", unit, {"name": c_row.name, "reason": "退休"})
    refused("IN_ROSTER", rpc.accounts.add_change_draft, "seal", unit, {"account_no": a, "reason": "离职"})
    refused("VALIDATION_ERROR", rpc.accounts.add_change_draft, "seal", unit, {"account_no": a, "reason": "不想缴"})
    refused("VALIDATION_ERROR", rpc.accounts.add_change_draft, "seal", unit,
            {"account_no": a, "name": c_row.name, "reason": "离职"})  # two finders
    refused("NOT_FOUND", rpc.accounts.add_change_draft, "seal", unit, {"name": "查无此人", "reason": "离职"})
    assert rpc.accounts.list_change_drafts("seal", unit)["total"] == 3

    answer, final = submit(rpc, snapshots, "seal", unit, clerk)
    assert (final["status"], final["done"], final["failed"], final["kind"]) == ("succeeded", 3, 0, "seal_accounts")
    assert answer["batch_id"].startswith("FC")
    assert {member(engine, n).status for n in (a, b, c)} == {"02"}
    assert rpc.accounts.list_change_drafts("seal", unit)["total"] == 0
    # a sealed member is not in the next monthly remittance, and cannot be sealed again
    assert rpc.accounts.remittance_roster(unit)["members"] == []
    error = refused("MEMBER_NOT_NORMAL", rpc.accounts.add_change_draft, "seal", unit, {"account_no": a, "reason": "离职"})
    assert "封存" in error.message

    records = rpc.accounts.list_status_changes(unit, ["seal", "unseal"], {"name": c_row.name})
    assert [(r["kind_name"], r["old_status_name"], r["new_status_name"], r["reason"]) for r in records] == [
        ("封存", "正常", "封存", "退休")]
    assert records[0]["batch_id"] == answer["batch_id"] and records[0]["clerk_name"]
    voucher = rpc.accounts.status_change_voucher(unit, ["seal", "unseal"], answer["batch_id"])
    words = text_of(base64.b64decode(voucher["content_base64"]))
    assert "个人账户封存" in words and a in words and "封存人数" in words


def test_f9_1_a_name_shared_by_two_members_asks_for_the_account(rpc, engine, config):
    unit, _ = new_employer(rpc, config)
    a, b = opened(engine, config, unit, 2)
    sql(engine, "update members set name = '同名' where account_no in (:a, :b)", a=a, b=b)
    error = refused("MEMBER_AMBIGUOUS", rpc.accounts.add_change_draft, "seal", unit, {"name": "同名", "reason": "离职"})
    assert a in error.message and b in error.message


def test_f9_1_submit_one_of_several_rows_and_delete_rows(rpc, engine, config, snapshots):
    unit, clerk = new_employer(rpc, config)
    a, b, c = opened(engine, config, unit, 3)
    drafts = [rpc.accounts.add_change_draft("seal", unit, {"account_no": n, "reason": "离职"}) for n in (a, b, c)]
    rpc.accounts.delete_change_draft("seal", unit, drafts[2]["id"])
    refused("NOT_FOUND", rpc.accounts.submit_changes, "seal", unit, clerk, {"draft_ids": [drafts[2]["id"]]})
    _, final = submit(rpc, snapshots, "seal", unit, clerk, [drafts[0]["id"]])
    assert final["done"] == 1
    assert [member(engine, n).status for n in (a, b, c)] == ["02", "01", "01"]
    assert [d["account_no"] for d in rpc.accounts.list_change_drafts("seal", unit)["items"]] == [b]
    assert rpc.accounts.clear_change_drafts("seal", unit) == {"deleted": 1}
    refused("ROSTER_EMPTY", rpc.accounts.submit_changes, "seal", unit, clerk, {})


def test_f9_2_batch_seal_from_the_template_reports_each_bad_row(rpc, engine, config, snapshots):
    unit, clerk = new_employer(rpc, config)
    other, _ = new_employer(rpc, config)
    a, b, c = opened(engine, config, unit, 3)
    stranger, = opened(engine, config, other, 1)
    names = {n: member(engine, n).name for n in (a, b, c)}
    result = upload(rpc, "seal", unit, [
        [a, names[a], "离职"],
        [b, "别人", "离职"],              # wrong name
        [stranger, "某人", "离职"],       # another employer's member
        [c, names[c], "随便"],            # not a reason of the list
        [a, names[a], "离职"],            # twice
        ["12AB", "某人", "离职"],         # not an account number
    ])
    assert result["imported"] == 1
    assert sorted((e["row"], e["column"]) for e in result["errors"]) == [
        (3, "姓名"), (4, "个人账号"), (5, "封存原因"), (6, "个人账号"), (7, "个人账号")]
    assert result["error_file"]["filename"] == "批量封存报错文件.xlsx"
    _, final = submit(rpc, snapshots, "seal", unit, clerk)
    assert (final["done"], final["failed"]) == (1, 0)


def test_f9_1_a_member_changed_after_it_was_added_fails_its_row_only(rpc, engine, config, snapshots):
    unit, clerk = new_employer(rpc, config)
    a, b = opened(engine, config, unit, 2)
    for n in (a, b):
        rpc.accounts.add_change_draft("seal", unit, {"account_no": n, "reason": "离职"})
    sql(engine, "update members set status = '02' where account_no = :a", a=a)  # sealed at the counter meanwhile
    _, final = submit(rpc, snapshots, "seal", unit, clerk)
    assert (final["status"], final["done"], final["failed"]) == ("partial", 1, 1)
    assert "只有正常状态" in final["errors"][0]["message"]


def test_f9_3_unseal_rules_and_a_new_base(rpc, engine, config, snapshots):
    unit, clerk = new_employer(rpc, config)
    elsewhere, _ = new_employer(rpc, config)
    fresh, old, normal, twice, ok = opened(engine, config, unit, 5)
    # sealed this month: online unsealing waits for next month
    sql(engine, "update members set status = '02' where account_no = :a", a=fresh)
    sql(engine, "insert into status_changes (kind, unit_account, account_no, name, id_number, reason, old_status,"
                " new_status, clerk_name, changed_on, changed_at) select 'seal', unit_account, account_no, name,"
                " id_number, '离职', '01', '02', '某经办', :d, now() from members where account_no = :a",
        a=fresh, d=centre_today(config))
    for n in (old, twice, ok):
        sealed_last_month(engine, config, unit, n)
    today = centre_today(config)
    sql(engine, "update members set id_number = :i where account_no = :a", a=old,
        i=resident_id(birth=today.replace(year=today.year - 62), male=True))
    # the person of `twice` meanwhile holds a normal account at another employer
    other, = opened(engine, config, elsewhere, 1)
    sql(engine, "update members set id_number = :i where account_no = :o", o=other, i=member(engine, twice).id_number)

    def unseal(n, base="6000"):
        return rpc.accounts.add_change_draft("unseal", unit, {"account_no": n, "reason": "重新就业", "base": base})
    assert refused("SEALED_THIS_MONTH", unseal, fresh).message.endswith("须至中心柜台办理")
    assert refused("AGE_OUT_OF_RANGE", unseal, old).message == "职工年龄超出网上办理范围，请至中心柜台办理"
    refused("MEMBER_NOT_SEALED", unseal, normal)
    assert "一人只能有一个正常账户" in refused("NORMAL_ACCOUNT_EXISTS", unseal, twice).message
    refused("VALIDATION_ERROR", unseal, ok, "100")
    refused("VALIDATION_ERROR", unseal, ok, "6000.123")
    draft = unseal(ok, "6000.5")
    assert draft["base"] == "6000.50"
    answer, final = submit(rpc, snapshots, "unseal", unit, clerk)
    assert (final["status"], final["done"]) == ("succeeded", 1)
    row = member(engine, ok)
    assert (row.status, row.base) == ("01", Decimal("6000.50"))
    assert answer["batch_id"].startswith("QF")
    record, = rpc.accounts.list_status_changes(unit, ["unseal"], {"id_number": row.id_number})
    assert (record["kind_name"], record["new_status_name"], record["base"]) == ("启封", "正常", "6000.50")


def test_one_normal_account_per_person_opening_and_concurrent_unseals(rpc, engine, config, snapshots):
    unit_a, clerk_a = new_employer(rpc, config)
    unit_b, clerk_b = new_employer(rpc, config)
    at_a, = opened(engine, config, unit_a, 1)
    person = member(engine, at_a)
    # opening at B a person normal at A is refused, saying what to do
    error = refused("VALIDATION_ERROR", rpc.accounts.add_opening_draft, unit_b,
                    {"name": person.name, "id_number": person.id_number, "base": "5000", "mobile": "13912345678"})
    assert "原单位" in error.details[0]["message"] or "本中心" in error.details[0]["message"]
    # two sealed accounts of one person at A and B, unsealed at once: exactly one becomes normal
    at_b, = opened(engine, config, unit_b, 1)
    sealed_last_month(engine, config, unit_a, at_a)
    sealed_last_month(engine, config, unit_b, at_b)
    sql(engine, "update members set id_number = :i where account_no = :b", b=at_b, i=person.id_number)
    rpc.accounts.add_change_draft("unseal", unit_a, {"account_no": at_a, "reason": "重新就业", "base": "5000"})
    rpc.accounts.add_change_draft("unseal", unit_b, {"account_no": at_b, "reason": "重新就业", "base": "5000"})
    # both batches are started at once and run side by side in the service's workers
    answers = [rpc.accounts.submit_changes("unseal", unit, clerk, {})
               for unit, clerk in ((unit_a, clerk_a), (unit_b, clerk_b))]
    finals = final_snapshots(snapshots, [answer["task_id"] for answer in answers])
    assert sorted(f["done"] for f in finals) == [0, 1]
    assert sql(engine, "select count(*) from members where id_number = :i and status = '01'",
               i=person.id_number).scalar() == 1
    # and the database itself refuses a second one, whatever the code does
    with pytest.raises(Exception):
        sql(engine, "update members set status = '01' where id_number = :i", i=person.id_number)


def test_f10_1_transfer_in_keeps_number_balance_and_ledger(rpc, engine, config, snapshots):
    unit_a, _ = new_employer(rpc, config)
    unit_b, clerk_b = new_employer(rpc, config)
    moving, still_normal = opened(engine, config, unit_a, 2)
    credit(engine, moving, "1234.56")
    sealed_last_month(engine, config, unit_a, moving)
    person, normal = member(engine, moving), member(engine, still_normal)

    def transfer(**values):
        return rpc.accounts.add_change_draft("transfer", unit_b, {"reason": "调入本单位", **values})
    refused("NAME_MISMATCH", transfer, name="别人", id_number=person.id_number)
    refused("NO_SEALED_ACCOUNT", transfer, name="某人", id_number=resident_id())
    assert "原单位先办理封存" in refused("MEMBER_NOT_SEALED", transfer, name=normal.name,
                                        id_number=normal.id_number).message
    refused("VALIDATION_ERROR", transfer, name=person.name, id_number="123")
    draft = transfer(name=person.name, id_number=person.id_number)
    assert (draft["account_no"], draft["from_unit"]) == (moving, unit_a)
    answer, final = submit(rpc, snapshots, "transfer", unit_b, clerk_b)
    assert (final["status"], final["done"]) == ("succeeded", 1)
    after = member(engine, moving)
    assert (after.unit_account, after.status, after.balance) == (unit_b, "02", Decimal("1234.56"))
    rows = sql(engine, "select unit_account, type, amount, balance_after from member_ledger where account_no = :a"
                       " and reference = :r order by id", a=moving, r=answer["batch_id"]).all()
    assert [tuple(r) for r in rows] == [(unit_a, "06", Decimal("-1234.56"), Decimal("0.00")),
                                        (unit_b, "06", Decimal("1234.56"), Decimal("1234.56"))]
    assert sql(engine, "select sum(amount) from member_ledger where account_no = :a", a=moving).scalar() == after.balance
    record, = rpc.accounts.list_status_changes(unit_b, ["transfer"], {"name": person.name})
    assert (record["from_unit"], record["to_unit"], record["amount"]) == (unit_a, unit_b, "1234.56")
    # A no longer sees it; B does
    refused("NOT_FOUND", rpc.accounts.get_member, unit_a, moving)
    assert rpc.accounts.get_member(unit_b, moving)["status_name"] == "封存"
    pdf = rpc.accounts.status_change_voucher(unit_b, ["transfer"], answer["batch_id"])
    assert moving in text_of(base64.b64decode(pdf["content_base64"]))
    refused("NOT_FOUND", rpc.accounts.status_change_voucher, unit_a, ["transfer"], answer["batch_id"])


def test_f10_1_several_sealed_accounts_need_a_choice(rpc, engine, config):
    unit_a, _ = new_employer(rpc, config)
    unit_c, _ = new_employer(rpc, config)
    unit_b, _ = new_employer(rpc, config)
    first, = opened(engine, config, unit_a, 1)
    second, = opened(engine, config, unit_c, 1)
    person = member(engine, first)
    for unit, n in ((unit_a, first), (unit_c, second)):
        sealed_last_month(engine, config, unit, n)
    sql(engine, "update members set id_number = :i, name = :n where account_no = :s", s=second,
        i=person.id_number, n=person.name)
    values = {"name": person.name, "id_number": person.id_number, "reason": "调入本单位"}
    error = refused("CHOICE_REQUIRED", rpc.accounts.add_change_draft, "transfer", unit_b, values)
    assert first in error.message and second in error.message
    draft = rpc.accounts.add_change_draft("transfer", unit_b, {**values, "account_no": second})
    assert draft["from_unit"] == unit_c


def test_f10_1_a_member_on_an_unpaid_verification_cannot_move(rpc, engine, config):
    unit_a, clerk_a = new_employer(rpc, config)
    unit_b, _ = new_employer(rpc, config)
    on_roster, = opened(engine, config, unit_a, 1)
    wait_for(lambda: rpc.contributions.remittance_stats(unit_a), timeout=30)
    verification = rpc.contributions.create_remittance(unit_a, clerk_a, {"month": month_of(centre_today(config))})
    rpc.contributions.submit_remittance(unit_a, clerk_a, verification["verification_no"])
    sealed_last_month(engine, config, unit_a, on_roster)
    person = member(engine, on_roster)
    error = refused("ON_OPEN_VERIFICATION", rpc.accounts.add_change_draft, "transfer", unit_b,
                    {"name": person.name, "id_number": person.id_number, "reason": "调入本单位"})
    assert "入账或撤销后" in error.message
    rpc.contributions.cancel_payment(unit_a, verification["verification_no"])
    rpc.accounts.add_change_draft("transfer", unit_b,
                                  {"name": person.name, "id_number": person.id_number, "reason": "调入本单位"})


def test_f8_1_merge_moves_the_whole_balance_and_closes_the_out_account(rpc, engine, config):
    unit, clerk = new_employer(rpc, config)
    other, _ = new_employer(rpc, config)
    into, out, stranger, someone = opened(engine, config, unit, 4)
    person = member(engine, into)
    sealed_last_month(engine, config, unit, out)
    sql(engine, "update members set id_number = :i, name = :n where account_no = :o", o=out,
        i=person.id_number, n=person.name)
    credit(engine, into, "100.00")
    credit(engine, out, "2500.50")
    merge = rpc.accounts.merge_accounts

    refused("NOT_SAME_PERSON", merge, unit, clerk, {"from_account": someone, "to_account": into})
    refused("MEMBER_NOT_NORMAL", merge, unit, clerk, {"from_account": into, "to_account": out})
    refused("VALIDATION_ERROR", merge, unit, clerk, {"from_account": into, "to_account": into})
    other_member, = opened(engine, config, other, 1)
    refused("NOT_FOUND", merge, unit, clerk, {"from_account": other_member, "to_account": into})
    record = merge(unit, clerk, {"from_account": out, "to_account": into})
    assert (record["amount"], record["from_account"], record["to_account"]) == ("2500.50", out, into)
    assert record["merge_no"].startswith("HB")
    assert (member(engine, out).status, member(engine, out).balance) == ("03", Decimal("0.00"))
    assert member(engine, into).balance == Decimal("2600.50")
    for n in (out, into):
        assert sql(engine, "select sum(amount) from member_ledger where account_no = :a", a=n).scalar() \
            == member(engine, n).balance
    # the closed account can never be used again
    refused("ACCOUNT_CLOSED", merge, unit, clerk, {"from_account": out, "to_account": into})
    refused("MEMBER_NOT_NORMAL", rpc.accounts.add_change_draft, "seal", unit, {"account_no": out, "reason": "离职"})
    refused("MEMBER_NOT_SEALED", rpc.accounts.add_change_draft, "unseal", unit,
            {"account_no": out, "reason": "重新就业", "base": "5000"})
    assert [m["merge_no"] for m in rpc.accounts.list_merges(unit, {"to_account": into})] == [record["merge_no"]]
    assert rpc.accounts.list_merges(other, {}) == []
    pdf = text_of(base64.b64decode(rpc.accounts.merge_voucher(unit, record["merge_no"])["content_base64"]))
    assert "个人账户合并" in pdf and "2,500.50" in pdf or "2500.50" in pdf
    refused("NOT_FOUND", rpc.accounts.merge_voucher, other, record["merge_no"])
    assert stranger


def test_f8_1_the_page_is_told_of_sealed_accounts_elsewhere(rpc, engine, config):
    unit, _ = new_employer(rpc, config)
    other, _ = new_employer(rpc, config)
    here, = opened(engine, config, unit, 1)
    there, = opened(engine, config, other, 1)
    assert rpc.accounts.sealed_elsewhere(unit, {"account_no": here}) == []
    sealed_last_month(engine, config, other, there)
    sql(engine, "update members set id_number = :i where account_no = :t", t=there, i=member(engine, here).id_number)
    assert [m["account_no"] for m in rpc.accounts.sealed_elsewhere(unit, {"account_no": here})] == [there]
    refused("NOT_FOUND", rpc.accounts.sealed_elsewhere, unit, {"account_no": there})


def test_every_status_change_is_scoped_to_the_employer(rpc, engine, config, snapshots):
    unit, clerk = new_employer(rpc, config)
    other, other_clerk = new_employer(rpc, config)
    a, = opened(engine, config, unit, 1)
    draft = rpc.accounts.add_change_draft("seal", unit, {"account_no": a, "reason": "离职"})
    refused("NOT_FOUND", rpc.accounts.add_change_draft, "seal", other, {"account_no": a, "reason": "离职"})
    refused("NOT_FOUND", rpc.accounts.delete_change_draft, "seal", other, draft["id"])
    refused("NOT_FOUND", rpc.accounts.submit_changes, "seal", other, other_clerk, {"draft_ids": [draft["id"]]})
    assert rpc.accounts.list_change_drafts("seal", other)["total"] == 0
    answer, _ = submit(rpc, snapshots, "seal", unit, clerk)
    assert rpc.accounts.list_status_changes(other, ["seal", "unseal"], {}) == []
    refused("NOT_FOUND", rpc.accounts.status_change_voucher, other, ["seal", "unseal"], answer["batch_id"])
    refused("NOT_FOUND", rpc.accounts.add_change_draft, "nonsense", unit, {})


def test_f9_2_ten_thousand_members_sealed_from_the_template_as_one_task(rpc, engine, config, snapshots):
    unit, clerk = new_employer(rpc, config)
    accounts = opened(engine, config, unit, 10_000)
    names = dict(sql(engine, "select account_no, name from members where unit_account = :u", u=unit).all())
    started = time.monotonic()
    result = upload(rpc, "seal", unit, [[n, names[n], "离职"] for n in accounts])
    assert (result["imported"], result["errors"]) == (10_000, [])
    imported = time.monotonic()
    answer, final = submit(rpc, snapshots, "seal", unit, clerk)
    done = time.monotonic()
    assert (final["status"], final["done"]) == ("succeeded", 10_000)
    assert sql(engine, "select count(*) from members where unit_account = :u and status = '02'", u=unit).scalar() == 10_000
    pdf = rpc.accounts.status_change_voucher(unit, ["seal", "unseal"], answer["batch_id"])
    assert accounts[-1] in text_of(base64.b64decode(pdf["content_base64"]))
    print(f"\n10,000 seals: import {imported - started:.1f} s, batch {done - imported:.1f} s")
