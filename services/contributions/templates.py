"""The contributions service's xlsx template: the supplementary roster (补缴清册, F13.2)."""
from dataclasses import replace

from shared.xlsx import Column, Template

SUPPLEMENTARY = Template(
    title="补缴清册",
    columns=(
        Column("个人账号", "account_no", required=True, width=22, text_only=True, note="请保持文本格式"),
        Column("补缴月份", "month", required=True, width=12, note="YYYYMM，如202609"),
        Column("补缴金额", "amount", required=True, width=14, note="单位：元，最多保留2位小数"),
        Column("补缴原因", "reason", required=True, width=30),
    ),
)
HEADERS = {column.key: column.header for column in SUPPLEMENTARY.columns}


def supplementary_template(max_rows):
    return replace(SUPPLEMENTARY, instructions=(
        "补缴月份须在本公积金年度内，且不晚于本单位缴至月份；往年度的补缴须至中心柜台办理。",
        "同一职工同一月份的已缴、待缴及本次补缴合计不得超过本年度月缴存额上限。",
        "补缴金额按该月份的单位和个人缴存比例拆分为单位部分和个人部分。",
        f"每次最多上传{max_rows}行。",
    ))
