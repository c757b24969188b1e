"""The accounts service's xlsx templates."""
from dataclasses import replace

from shared.xlsx import Column, Template

OPENING = Template(
    title="身份证批量开户",
    columns=(
        Column("个人姓名", "name", required=True, width=14),
        Column("证件号码", "id_number", required=True, width=22, text_only=True,
               note="18位居民身份证号码，末位x按X处理；请保持文本格式"),
        Column("缴存基数", "base", required=True, width=14, note="单位：元，最多保留2位小数"),
        Column("手机号码", "mobile", required=True, width=16),
        Column("户籍", "household", width=20),
        Column("家庭住址", "address", width=36),
        Column("固定电话", "phone", width=16),
    ),
)


def opening_template(accounts, max_upload_bytes):
    """The template with its instruction sheet, written from the configured limits."""
    return replace(OPENING, instructions=(
        "本模板仅用于居民身份证开户；使用其他证件开户须至中心柜台办理。",
        f"职工年龄须在{accounts['min_age']}周岁至{accounts['max_age_male']}周岁（男）、"
        f"{accounts['max_age_female']}周岁（女）之间，超出范围须至中心柜台办理。",
        "缴存基数须在本公积金年度政策规定的上下限之间。",
        "同一证件号码在清册中只能出现一次；已在本单位开立正常账户的职工不能重复开户。",
        f"每次最多上传{accounts['max_import_rows']}行，文件不超过{int(max_upload_bytes) // (1024 * 1024)}MB。",
    ))


HEADERS = {column.key: column.header for column in OPENING.columns}


ACCOUNT_NO = Column("个人账号", "account_no", required=True, width=22, text_only=True, note="请保持文本格式")
CHANGE_TEMPLATES = {
    "seal": Template(title="个人账户批量封存", columns=(
        ACCOUNT_NO, Column("姓名", "name", required=True, width=14),
        Column("封存原因", "reason", required=True, width=16))),
    "unseal": Template(title="个人账户批量启封", columns=(
        ACCOUNT_NO, Column("姓名", "name", required=True, width=14),
        Column("启封原因", "reason", required=True, width=16),
        Column("缴存基数", "base", required=True, width=14, note="单位：元，最多保留2位小数"))),
    "transfer": Template(title="个人账户批量转入", columns=(
        Column("姓名", "name", required=True, width=14),
        Column("证件号码", "id_number", required=True, width=22, text_only=True, note="18位居民身份证号码；请保持文本格式"),
        Column("转入原因", "reason", required=True, width=16),
        replace(ACCOUNT_NO, required=False, note="该职工在其他单位有多个封存账户时必填，选择要转入的账户"))),
}
CHANGE_FILENAMES = {"seal": "批量封存模板.xlsx", "unseal": "批量启封模板.xlsx", "transfer": "批量转入模板.xlsx"}


def change_template(kind, reasons, max_rows):
    """A seal, unseal or transfer template with its instruction sheet (reasons from configuration)."""
    lines = [f"原因须为以下之一：{'、'.join(reasons)}。", f"每次最多上传{max_rows}行。"]
    if kind == "seal":
        lines.insert(0, "只有本单位正常状态的个人账户可以封存；封存后不再参加汇缴。")
    elif kind == "unseal":
        lines.insert(0, "只有本单位封存状态的个人账户可以启封；本月封存的账户当月不能在网上启封。")
        lines.insert(1, "缴存基数须在本公积金年度政策规定的上下限之间；年龄超出网上办理范围的须至中心柜台办理。")
    else:
        lines.insert(0, "转入的账户须为该职工在本中心其他单位的封存账户；转入后保持封存，启封或合并后方可缴存。")
    return replace(CHANGE_TEMPLATES[kind], instructions=tuple(lines))
