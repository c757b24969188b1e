"""Employer rules: pure functions, no I/O."""
from decimal import Decimal

from shared.errors import COUNTER_ONLY, BusinessError
from shared.identity import mask_id, mask_mobile
from shared.money import percent


def unit_account_for(prefix, sequence):
    """单位账号: the centre's prefix and a zero-padded sequence number."""
    return f"{prefix}{sequence:08d}"


def check_rates(employer_rate: Decimal, employee_rate: Decimal, policy):
    low, high = Decimal(policy["rate_min"]), Decimal(policy["rate_max"])
    details = [
        {"field": name, "message": f"缴存比例须在{percent(low)}%至{percent(high)}%之间"}
        for name, rate in (("employer_rate", employer_rate), ("employee_rate", employee_rate))
        if not low <= rate <= high
    ]
    if details:
        raise BusinessError("RATE_OUT_OF_RANGE", "缴存比例超出政策允许范围", details)


def rates_after(employer, changes):
    """(employer rate, employee rate) as a change that names either would leave them, else None."""
    if "employer_rate" in changes or "employee_rate" in changes:
        return (changes.get("employer_rate", employer.employer_rate),
                changes.get("employee_rate", employer.employee_rate))
    return None


def clerk_matches(clerk, *, name, id_number, mobile):
    return (clerk.name == name.strip() and clerk.id_number == id_number.strip().upper()
            and clerk.mobile == mobile.strip())


# ---------- information changes (F6.1) ----------

ONLINE_FIELDS = {
    "address": "单位地址",
    "postal_code": "邮政编码",
    "bank_name": "开户银行名称",
    "bank_account": "单位银行账号",
    "legal_person_name": "法定代表人姓名",
    "legal_person_id_number": "法定代表人证件号码",
    "legal_person_phone": "法定代表人联系电话",
}
COUNTER_FIELDS = {
    "name": "单位名称",
    "clerks": "经办人信息",
    "employer_rate": "单位缴存比例",
    "employee_rate": "个人缴存比例",
}
FIELD_LABELS = {**ONLINE_FIELDS, **COUNTER_FIELDS}
ONLINE, COUNTER, ANNUAL = "网厅", "柜台", "年度核定"   # channels of a change


def refuse_counter_fields(data):
    """Unit name, clerks and rates change only at the centre's counter."""
    refused = [name for name in COUNTER_FIELDS if name in data]
    if refused:
        labels = "、".join(COUNTER_FIELDS[name] for name in refused)
        raise BusinessError("COUNTER_ONLY", f"修改{labels}{COUNTER_ONLY}",
                            [{"field": name, "message": f"{COUNTER_FIELDS[name]}的修改{COUNTER_ONLY}"}
                             for name in refused])


def _comparable(value):
    if isinstance(value, Decimal):  # 0.12 and 0.1200 are one rate
        return f"{value.normalize():f}"
    return value


def change_items(current, wanted):
    """[{field, label, old, new}] of the fields whose value really changes, in label order."""
    items = []
    for name, label in FIELD_LABELS.items():
        if name not in wanted:
            continue
        old, new = _comparable(current.get(name)), _comparable(wanted[name])
        if old != new:
            items.append({"field": name, "label": label, "old": old, "new": new})
    if not items:
        raise BusinessError("NO_CHANGE", "提交的信息与现有信息相同，没有需要修改的内容")
    return items


def check_distinct_clerks(clerks):
    numbers = [clerk["id_number"] for clerk in clerks]
    if len(set(numbers)) != len(numbers):
        raise BusinessError("VALIDATION_ERROR", "经办人证件号码不能重复",
                            [{"field": "clerks", "message": "经办人证件号码不能重复"}])


def clerk_text(clerks):
    return "；".join(f"{c['name']}（{mask_id(c['id_number'])}，{mask_mobile(c['mobile'])}）"
                    for c in clerks or ())


def display_value(field, value):
    """What a clerk sees of a recorded value: ID numbers and mobiles masked."""
    if value is None or value == "":
        return ""
    if field == "legal_person_id_number":
        return mask_id(value)
    if field == "clerks":
        return clerk_text(value)
    if field in ("employer_rate", "employee_rate"):
        return f"{percent(value)}%"
    return str(value)


def display_items(items):
    return [{"field": i["field"], "label": i["label"], "old": display_value(i["field"], i["old"]),
             "new": display_value(i["field"], i["new"])} for i in items]


def changed_event(unit_account, number, channel, items):
    """Payload of `employer_changed`: the changed fields and their new values (clerks' aside)."""
    return {"unit_account": unit_account, "number": number, "channel": channel,
            "fields": [i["field"] for i in items],
            "values": {i["field"]: i["new"] for i in items if i["field"] != "clerks"}}


def change_number(day, change_id):
    """单位信息变更业务编号: DWBG, the date, the record's id."""
    return f"DWBG{day:%Y%m%d}{change_id:06d}"


# ---------- home shortcuts (F2.1) ----------

MAX_SHORTCUTS = 12


def check_shortcuts(function_ids, catalogue):
    """The clerk's whole list of shortcuts: known functions, each once, at most MAX_SHORTCUTS."""
    details = [{"field": f"function_ids.{i}", "message": f"没有编号为{fid}的功能"}
               for i, fid in enumerate(function_ids) if fid not in catalogue]
    if len(set(function_ids)) != len(function_ids):
        details.append({"field": "function_ids", "message": "同一功能只能添加一次"})
    if len(function_ids) > MAX_SHORTCUTS:
        details.append({"field": "function_ids", "message": f"常用功能最多{MAX_SHORTCUTS}个"})
    if details:
        raise BusinessError("VALIDATION_ERROR", "常用功能设置有误", details)


# ---------- messages (F2.1, F17.1) ----------

NOTICE, CONSULTATION, TASK = "notice", "consultation", "task"
MESSAGE_KINDS = {NOTICE: "中心通知", CONSULTATION: "咨询答复", TASK: "业务办理结果"}


def task_message(snapshot, status_name):
    """Title and body of the message a finished task leaves in its employer's message centre."""
    title = snapshot["title"] or snapshot["kind"]
    body = f"您提交的{title}业务已办理完毕，结果：{status_name}。共{snapshot['total']}笔"
    body += f"，其中失败{snapshot['failed']}笔，可在交易进度查询中查看错误信息或下载报错文件。" \
        if snapshot["failed"] else "。"
    if snapshot.get("message"):
        body += snapshot["message"]
    return f"{title}{status_name}", body


def consultation_reply_message(consultation_type, content, reply):
    excerpt = content if len(content) <= 30 else content[:30] + "…"
    return f"您的{consultation_type}已答复", f"您提交的“{excerpt}”中心已答复：{reply}"


# ---------- consultations (F17.1) ----------

CONSULTATION_TYPES = ("政策咨询", "业务投诉", "建议")
CONTENT_MIN, CONTENT_MAX, REPLY_MAX = 5, 1000, 2000
PENDING, REPLIED = "待答复", "已答复"
