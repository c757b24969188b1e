"""The contributions service's xlsx templates: the supplementary roster (补缴清册, F13.2) and the
annual base review list (年度核定清册, F11.1)."""
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


ANNUAL = Template(
    title="年度核定清册",
    columns=(
        Column("个人账号", "account_no", required=True, width=22, text_only=True, note="请保持文本格式"),
        Column("姓名", "name", width=12),
        Column("证件号码", "id_number", width=22, text_only=True, note="请保持文本格式"),
        Column("当前缴存基数", "old_base", width=14, note="仅供参考，不作修改"),
        Column("新缴存基数", "new_base", required=True, width=14, note="单位：元，最多保留2位小数"),
    ),
)
ANNUAL_HEADERS = {column.key: column.header for column in ANNUAL.columns}


def annual_template(year, policy, keeps_unlisted):
    left_out = ("未填写新基数的职工保留原缴存基数（原基数须在本年度上下限之内）。" if keeps_unlisted
                else "须为名单中的全部职工填写新缴存基数，缺少任何职工将不能提交。")
    return replace(ANNUAL, instructions=(
        f"本表为{year}年度（{year}年7月至{year + 1}年6月）缴存基数核定清册，已列出{year}年6月正常汇缴且目前正常缴存的职工。",
        f"新缴存基数须在{year}年度上下限{policy['base_floor']}至{policy['base_cap']}元之间。",
        left_out,
        f"核定提交后，自{year}年7月汇缴起按新基数（及调整后的缴存比例）计算。",
    ))
