"""The files of a verification: the roster (汇缴清册, xlsx) and the payment voucher (汇缴书, PDF)."""
from decimal import Decimal

from services.contributions.rules import KIND_NAMES, STATUS_NAMES, month_text
from shared.downloads import PDF, XLSX, file_payload
from shared.identity import mask_id
from shared.money import capital_amount, money_str
from shared.pdf import centre_voucher
from shared.xlsx import write_rows

VOUCHER_KIND = "remittance"
ROSTER_HEADERS = ["序号", "个人账号", "姓名", "证件号码", "缴存月份", "缴存基数", "单位缴存额", "个人缴存额",
                  "月缴存额"]


def roster_file(verification, rows):
    """One row per member, then the totals; every cell text (shared.xlsx escapes formula starts)."""
    def lines():
        totals = [Decimal("0.00")] * 3
        for n, (account_no, name, id_number, month, base, employer_part, employee_part) in enumerate(rows, 1):
            total = employer_part + employee_part
            totals = [totals[0] + employer_part, totals[1] + employee_part, totals[2] + total]
            yield [n, account_no, name, mask_id(id_number), month, money_str(base), money_str(employer_part),
                   money_str(employee_part), money_str(total)]
        yield ["合计", f"{len(rows)}人", "", "", verification.month or "", "", *map(money_str, totals)]
    title = f"{KIND_NAMES[verification.kind]}清册"
    data = write_rows(title, ROSTER_HEADERS, lines())
    return file_payload(f"{title}_{verification.verification_no}.xlsx", XLSX, data)


def voucher_file(config, verification):
    """汇缴书: what to pay, to which account of the centre, with which reference."""
    centre = config["CENTRE"]
    reference = payment_reference_text(verification)
    rows = [
        ["收款单位", centre["name"]],
        ["收款账户户名", str(centre["collection_account_name"])],
        ["收款账号", str(centre["collection_account_no"])],
        ["收款开户银行", str(centre["collection_bank"])],
        ["缴款单位", verification.employer_name],
        ["单位账号", verification.unit_account],
        ["汇缴月份", month_text(verification.month) if verification.month else ""],
        ["缴存人数", str(verification.headcount)],
        ["单位缴存额", money_str(verification.employer_amount)],
        ["个人缴存额", money_str(verification.employee_amount)],
        ["应缴金额（小写）", "¥" + money_str(verification.amount)],
        ["应缴金额（大写）", "人民币" + capital_amount(verification.amount)],
        ["转账附言（缴款识别号）", reference],
        ["核定状态", STATUS_NAMES[verification.status]],
    ]
    code, pdf = centre_voucher(
        config, VOUCHER_KIND, business_type=f"住房公积金{KIND_NAMES[verification.kind]}书",
        number=verification.verification_no, business_date=verification.business_date.isoformat(),
        employer_name=verification.employer_name, unit_account=verification.unit_account,
        columns=["项目", "内容"], rows=rows,
        totals=[("应缴金额", money_str(verification.amount)), ("缴存人数", str(verification.headcount)),
                ("经办人", verification.clerk_name)])
    return file_payload(f"汇缴书_{verification.verification_no}.pdf", PDF, pdf, verification_code=code)


def payment_reference_text(verification):
    """What the voucher prints as the transfer's reference: only a verification awaiting payment
    (or paid with it) has one; a cancelled one must not be paid."""
    if verification.status in ("awaiting", "posting", "posted"):
        return verification.verification_no
    if verification.status == "cancelled":
        return "（本核定已撤销，请勿缴款）"
    if verification.status == "discarded":
        return "（本核定已作废，请勿缴款）"
    return "（核定提交后生效）"
