"""The accounts service's PDF vouchers (开户清册凭证, 个人信息修改凭证)."""
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
