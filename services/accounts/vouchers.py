"""The accounts service's PDF vouchers (开户清册凭证, 个人信息修改凭证, 封存/启封/转入/合并凭证)."""
from services.accounts.rules import STATUSES
from services.accounts.status_rules import KIND_NAMES
from shared.identity import mask_id, mask_mobile
from shared.money import money_str
from shared.pdf import centre_voucher


def opening_voucher(config, batch, members):
    rows = [[str(i), m.account_no, m.name, mask_id(m.id_number), m.sex, money_str(m.base),
             mask_mobile(m.mobile)] for i, m in enumerate(members, start=1)]
    total_base = sum((m.base for m in members), start=0)
    _, pdf = centre_voucher(
        config, "opening", business_type="个人开户", number=batch.batch_no,
        business_date=batch.opened_on.isoformat(), employer_name=batch.employer_name,
        unit_account=batch.unit_account,
        columns=["序号", "个人账号", "姓名", "证件号码", "性别", "缴存基数", "手机号码"], rows=rows,
        totals=[("开户人数", str(len(members))), ("失败人数", str(batch.failed)),
                ("缴存基数合计", money_str(total_base)), ("经办人", batch.submitted_by)])
    return pdf


def change_voucher(config, change, employer_name):
    rows = [[change.account_no, change.member_name, item["label"], item["old"] or "", item["new"] or ""]
            for item in change.items]
    _, pdf = centre_voucher(
        config, "member_change", business_type="个人信息修改", number=change.change_no,
        business_date=change.changed_at.date().isoformat(), employer_name=employer_name,
        unit_account=change.unit_account,
        columns=["个人账号", "姓名", "修改项目", "修改前", "修改后"], rows=rows,
        totals=[("修改项数", str(len(change.items))), ("经办人", change.clerk_name)])
    return pdf


def status_voucher(config, batch, changes):
    """封存/启封/转入凭证: one per submitted batch, every account it changed."""
    kind_name = KIND_NAMES[batch.kind]
    rows = [[str(i), c.account_no, c.name, mask_id(c.id_number), c.reason,
             f"{STATUSES.get(c.old_status, c.old_status)}→{STATUSES.get(c.new_status, c.new_status)}",
             money_str(c.new_base) if c.new_base is not None else (c.from_unit or "")]
            for i, c in enumerate(changes, start=1)]
    last = "原单位账号" if batch.kind == "transfer" else "缴存基数"
    _, pdf = centre_voucher(
        config, f"status_{batch.kind}", business_type=f"个人账户{kind_name}", number=batch.batch_no,
        business_date=batch.opened_on.isoformat(), employer_name=batch.employer_name,
        unit_account=batch.unit_account,
        columns=["序号", "个人账号", "姓名", "证件号码", "原因", "账户状态", last], rows=rows,
        totals=[(f"{kind_name}人数", str(len(changes))), ("失败人数", str(batch.failed)), ("经办人", batch.submitted_by)])
    return pdf


def merge_voucher(config, record, employer_name):
    _, pdf = centre_voucher(
        config, "merge", business_type="个人账户合并", number=record.merge_no,
        business_date=record.merged_on.isoformat(), employer_name=employer_name,
        unit_account=record.unit_account,
        columns=["转出账户", "转入账户", "姓名", "证件号码", "转移金额"],
        rows=[[record.from_account, record.to_account, record.name, mask_id(record.id_number),
               money_str(record.amount)]],
        totals=[("转出账户状态", "合并销户"), ("经办人", record.clerk_name)])
    return pdf


def certificate(config, member, employer_name, facts):
    """缴存证明: what a member hands to a bank or a landlord. `facts`: the figures (see
    AccountsService.member_certificate); the public check page shows them masked."""
    rows = [["单位名称", employer_name], ["单位账号", member.unit_account], ["个人账号", member.account_no],
            ["姓名", member.name], ["证件号码", mask_id(member.id_number)],
            ["账户状态", STATUSES.get(member.status, member.status)], ["缴存基数", money_str(member.base)],
            ["月缴存额", facts["monthly_amount"]], ["缴至月份", facts["paid_up_to"] or "尚未缴存"],
            ["近12个月缴存月数", str(facts["months_12"])], ["近24个月缴存月数", str(facts["months_24"])],
            ["账户余额", money_str(member.balance)], ["出具日期", facts["issued_on"]]]
    shown = "；".join([f"个人账号尾号{member.account_no[-4:]}", f"姓名{mask_name(member.name)}",
                      f"状态{STATUSES.get(member.status, member.status)}", f"缴至{facts['paid_up_to'] or '无'}",
                      f"近12个月缴存{facts['months_12']}个月", f"余额{money_str(member.balance)}"])
    code, pdf = centre_voucher(
        config, "certificate", business_type="住房公积金缴存证明", number=facts["number"],
        business_date=facts["issued_on"], employer_name=employer_name, unit_account=member.unit_account,
        columns=["项目", "内容"], rows=rows, totals=[("说明", "本证明仅证明出具日的缴存情况")],
        facts=f"住房公积金缴存证明；出具日期{facts['issued_on']}；单位账号{member.unit_account}；{shown}")
    return code, pdf


def mask_name(name):
    return name[0] + "*" * (len(name) - 1) if name else name
