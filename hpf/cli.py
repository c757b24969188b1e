"""`hpf`: operators' command line. Centre-side commands go over AMQP to the services."""
import argparse
import json
import signal
import sys
import time

from shared.config import is_dev, load_config


def _config(args):
    return load_config(args.config)


def _require_broker(config):
    from hpf.bus import BROKER_HELP, broker_reachable, safe_uri
    if not broker_reachable(config["AMQP_URI"]):
        print(BROKER_HELP.format(uri=safe_uri(config["AMQP_URI"])), file=sys.stderr)
        sys.exit(2)


def _business_error_exit(exc):
    print(f"错误 {exc.code}: {exc.message}", file=sys.stderr)
    for detail in exc.details:
        print(f"  - {detail.get('field', '')}: {detail.get('message', '')}", file=sys.stderr)
    sys.exit(1)


def cmd_register_employer(args):
    data = {
        "name": args.name, "credit_code": args.uscc, "address": args.address,
        "postal_code": args.postal_code, "bank_name": args.bank_name,
        "bank_account": args.bank_account, "legal_person_name": args.legal_person,
        "employer_rate": args.employer_rate, "employee_rate": args.employee_rate,
        "clerks": [{"name": args.clerk_name, "id_number": args.clerk_id, "mobile": args.clerk_mobile}],
    }
    if args.first_month:
        data["first_month"] = args.first_month

    def register(rpc):
        employer = rpc.employer.register_employer(data)
        return employer, rpc.auth.issue_initial_password(employer["unit_account"])

    employer, issued = _centre_call(args, register)
    result = {"unit_account": employer["unit_account"], "name": employer["name"],
              "first_month": employer.get("first_month"), "initial_password": issued["initial_password"]}
    if args.json:
        _print_json(result)
    else:
        print(f"单位账号: {result['unit_account']}")
        print(f"单位名称: {result['name']}")
        print(f"首次汇缴月份: {result['first_month']}")
        print(f"初始密码: {result['initial_password']}  (首次登录须修改)")


def cmd_issue_password(args):
    """A new initial password (also when registration stopped before it): the unit's sessions end."""
    issued = _centre_call(args, lambda rpc: rpc.auth.issue_initial_password(args.unit_account))
    if args.json:
        _print_json(issued)
    else:
        print(f"单位账号: {issued['unit_account']}")
        print(f"初始密码: {issued['initial_password']}  (首次登录须修改)")


def _centre_call(args, call):
    """Run `call(rpc)` against the services; a business error exits 1 with its Chinese message,
    a system that is not there (or not answering) exits 2 saying how `hpf` looks for it."""
    from nameko.exceptions import RpcTimeout, UnknownService
    from hpf.bus import ServiceDown, cluster_rpc, safe_uri
    from shared.errors import BusinessError
    config = _config(args)
    _require_broker(config)
    try:
        with cluster_rpc(config) as rpc:
            return call(rpc)
    except BusinessError as exc:
        _business_error_exit(exc)
    except (ServiceDown, UnknownService, RpcTimeout) as exc:
        what = f"服务 {exc.service} 未运行" if isinstance(exc, ServiceDown) else (
            "服务未运行" if isinstance(exc, UnknownService) else "服务未在规定时间内应答")
        print(f"{what}：hpf 通过 AMQP_URI（{safe_uri(config['AMQP_URI'])}）连接系统，"
              "请确认系统已启动（make run），且 AMQP_URI 与系统所用的一致。", file=sys.stderr)
        sys.exit(2)


def _print_json(value):
    print(json.dumps(value, ensure_ascii=False))


def cmd_consultations(args):
    pending = _centre_call(args, lambda rpc: rpc.employer.pending_consultations())
    if args.json:
        _print_json(pending)
        return
    for c in pending:
        print(f"[{c['id']}] {c['submitted_at'][:19]} {c['unit_account']} {c['employer_name']} "
              f"{c['type']}（{c['clerk_name']}）：{c['content']}")
    print(f"待答复 {len(pending)} 条")


def cmd_reply_consultation(args):
    reply = {"reply": args.reply, "replied_by": args.by}
    result = _centre_call(args, lambda rpc: rpc.employer.reply_consultation(args.consultation_id, reply))
    if args.json:
        _print_json(result)
    else:
        print(f"咨询 {result['id']}（{result['unit_account']} {result['employer_name']}）已答复")


def cmd_notice(args):
    notice = {"title": args.title, "content": args.content, "unit_accounts": args.unit_account or []}
    result = _centre_call(args, lambda rpc: rpc.employer.send_notice(notice))
    if args.json:
        _print_json(result)
    else:
        print(f"通知 {result['notice_id']} 已发送给 {result['recipients']} 个单位")


COUNTER_OPTIONS = {"name": "name", "address": "address", "postal_code": "postal_code",
                   "bank_name": "bank_name", "bank_account": "bank_account",
                   "legal_person": "legal_person_name", "legal_person_id": "legal_person_id_number",
                   "legal_person_phone": "legal_person_phone", "employer_rate": "employer_rate",
                   "employee_rate": "employee_rate"}


def cmd_change_employer(args):
    data = {field: getattr(args, option) for option, field in COUNTER_OPTIONS.items()
            if getattr(args, option) is not None}
    if args.clerk:
        data["clerks"] = [dict(zip(("name", "id_number", "mobile"), clerk.split(",", 2))) for clerk in args.clerk]
    change = _centre_call(args, lambda rpc: rpc.employer.counter_change_employer(
        args.unit_account, data, args.operator))
    if args.json:
        _print_json(change)
        return
    print(f"变更 {change['number']} 已办理（{change['channel']}，{change['clerk_name']}）")
    for item in change["items"]:
        print(f"  {item['label']}: {item['old']} → {item['new']}")


POLICY_OPTIONS = ("base_floor", "base_cap", "rate_min", "rate_max", "rounding_unit", "rounding_mode",
                  "interest_rate", "day_basis")


def cmd_set_policy(args):
    data = {"year": args.year, **{name: getattr(args, name) for name in POLICY_OPTIONS
                                  if getattr(args, name) is not None}}
    policy = _centre_call(args, lambda rpc: rpc.contributions.set_policy(data))
    if args.json:
        _print_json(policy)
        return
    print(f"{policy['year']}年度缴存政策已设置：基数 {policy['base_floor']} 至 {policy['base_cap']}，"
          f"比例 {policy['rate_min']} 至 {policy['rate_max']}，取整 {policy['rounding_unit']}/{policy['rounding_mode']}，"
          f"利率 {policy['interest_rate']}，计息天数 {policy['day_basis']}")


def cmd_bank_receipt(args):
    notice = {"bank_ref": args.bank_ref, "unit_account": args.unit_account, "amount": args.amount,
              "reference": args.reference, "value_date": args.value_date}
    result = _centre_call(args, lambda rpc: rpc.contributions.post_bank_receipt(notice))
    if args.json:
        _print_json(result)
    elif result["result"] == "posted":
        print(f"到账 {args.bank_ref} 已匹配核定 {result['verification_no']}，入账中")
    else:
        print(f"到账 {args.bank_ref} 已转入暂存款（明细 {result['suspense_item']}）：{result['reason']}")


def cmd_annual(args):
    """The centre's view of an employer's annual base verifications (F11): the year owed and each done."""
    status, done = _centre_call(args, lambda rpc: (rpc.contributions.annual_status(args.unit_account, args.year),
                                                   rpc.contributions.list_annuals(args.unit_account, {})))
    if args.json:
        _print_json({"status": status, "annuals": done})
        return
    state = {None: "未办理", "applying": "办理中", "done": "已核定"}[status["status"]]
    print(f"{args.unit_account} {status['year']}年度缴存基数核定：{state}"
          + (f"（{status['refusal']}）" if status["refusal"] and not status["status"] else ""))
    for a in done:
        print(f"  {a['annual_no']} {a['year']}年度 {a['status_name']} {a['headcount']}人 基数调整{a['changed']}人 "
              f"比例 {a['old_employer_rate']}/{a['old_employee_rate']} → {a['employer_rate']}/{a['employee_rate']}")


def cmd_apply_suspense(args):
    data = {"unit_account": args.unit_account, "verification_no": args.verification, "items": args.item}
    result = _centre_call(args, lambda rpc: rpc.contributions.apply_suspense(data))
    if args.json:
        _print_json(result)
    else:
        print(f"暂存款 {result['amount']} 元已转入核定 {result['verification_no']}，入账中")


def cmd_refund_suspense(args):
    data = {"unit_account": args.unit_account, "items": args.item}
    result = _centre_call(args, lambda rpc: rpc.contributions.refund_suspense(data))
    if args.json:
        _print_json(result)
    else:
        print(f"暂存款 {result['amount']} 元已退回单位")


def cmd_settle_interest(args):
    """B2: start the year's settlement (once) and wait for it to finish."""
    def settle(rpc):
        run = rpc.accounts.settle_interest(args.year, "中心")
        deadline = time.monotonic() + args.timeout
        while run["status"] != "succeeded" and time.monotonic() < deadline:
            time.sleep(0.5)
            run = rpc.accounts.interest_run(args.year)
        return run
    run = _centre_call(args, settle)
    if args.json:
        _print_json(run)
    elif run["status"] == "succeeded":
        print(f"{run['year']}年度结息完成：{run['accounts']}户已计息，入账{run['credited']}笔，利息合计{run['amount']}元")
    else:
        print(f"{run['year']}年度结息进行中（任务 {run['task_id']}，已处理{run['accounts']}户），可稍后再次查询")


def cmd_dev(args):
    """Dev mode only: a captcha's answer or a mobile's last SMS code, from the dev service."""
    from hpf.bus import cluster_rpc
    from hpf.dev import ask
    from nameko.exceptions import UnknownService
    config = _config(args)
    if not is_dev(config):
        print("仅开发模式 (HPF_MODE=dev) 可用", file=sys.stderr)
        sys.exit(2)
    _require_broker(config)
    method = "captcha_answer" if args.action == "captcha" else "last_sms_code"
    try:
        with cluster_rpc(config) as rpc:
            value = ask(rpc, method, args.key, timeout=0)
    except UnknownService:
        print("开发服务未运行（make run 在开发模式下启动它）", file=sys.stderr)
        sys.exit(2)
    if value is None:
        print("未找到", file=sys.stderr)
        sys.exit(1)
    print(value)


def cmd_wait(args):
    """Container entrypoints: wait for the broker and the services' databases, then go on."""
    from sqlalchemy import text
    from hpf.bus import broker_reachable, safe_uri
    from shared.db import make_engine, service_db_url
    config = _config(args)
    deadline = time.monotonic() + args.timeout
    pending = {"broker": lambda: broker_reachable(config["AMQP_URI"], timeout=2)}
    for name in args.services:
        pending[name] = lambda name=name: _database_answers(make_engine, service_db_url(config, name), text)
    while pending:
        pending = {what: probe for what, probe in pending.items() if not probe()}
        if pending and time.monotonic() > deadline:
            print(f"等待超时，未就绪: {', '.join(pending)} (AMQP_URI={safe_uri(config['AMQP_URI'])})",
                  file=sys.stderr)
            sys.exit(2)
        if pending:
            time.sleep(1)


def cmd_ping(args):
    """Container health: does one replica of the service answer a ping within the timeout?"""
    from hpf.bus import cluster_rpc
    config = _config(args)
    try:
        with cluster_rpc(config, timeout=args.timeout) as rpc:
            ok = getattr(rpc, args.service).ping() == "ok"
    except Exception as exc:
        print(f"{args.service}: 无应答 ({type(exc).__name__})", file=sys.stderr)
        sys.exit(1)
    print(f"{args.service}: ok" if ok else f"{args.service}: 异常")
    sys.exit(0 if ok else 1)


def _database_answers(make_engine, url, text):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def cmd_db_upgrade(args):
    from shared.migrate import prepare
    from shared.runner import DATA_SERVICES
    config = _config(args)
    for name in args.services or DATA_SERVICES:
        prepare(name, config)
        print(f"{name}: 已迁移到最新版本")


def cmd_db_revision(args):
    from alembic import command
    from shared.db import service_db_url
    from shared.migrate import alembic_config, upgrade
    config = _config(args)
    url = service_db_url(config, args.service)
    upgrade(args.service, url)
    command.revision(alembic_config(args.service, url), message=args.message, autogenerate=True)


def cmd_openapi(args):
    """The gateway's OpenAPI document from its routes, without a running system (portal types)."""
    from services.gateway import api  # noqa: F401  (registers the routes)
    from services.gateway.openapi import openapi_document
    text = json.dumps(openapi_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


def cmd_run(args):
    """Everything for a clerk to log in: migrate, start all services, seed the demo, print."""
    from hpf.bus import cluster_rpc
    from hpf.demo import seed_demo
    from hpf.system import System
    config = _config(args)
    _require_broker(config)
    system = System(config, config_path=args.config)
    if not system.port_free():
        print(f"地址 {system.base_url} 已被占用（可能另一套网厅正在运行）：请先停止它，"
              "或用 HPF_HTTP_PORT 换一个端口。", file=sys.stderr)
        sys.exit(2)
    print("迁移数据库 …", flush=True)
    system.migrate()
    print("启动服务 …", flush=True)
    system.start()

    def _stop(signum, frame):
        raise KeyboardInterrupt

    # SIGINT too: a shell starts background jobs with it ignored, and Ctrl-C must still stop all
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)  # the terminal closed: the services go with it
    try:
        system.wait_ready()
        login = None
        if is_dev(config):
            with cluster_rpc(config) as rpc:
                login = seed_demo(rpc)
        from services.gateway.portal import portal_dir
        print(f"\n单位网厅已启动: {system.base_url}  （浏览器打开即可登录）")
        if not (portal_dir(config) / "index.html").is_file():
            print("  页面尚未构建：make run 会自动构建，或 cd portal && npm ci && npm run build")
        print(f"  API 文档: {system.base_url}/api/v1/openapi.json   就绪检查: {system.base_url}/readyz")
        if login:
            print("  演示登录（页面上填写以下各项；验证码看图填写，或 `hpf dev captcha ID` 给出答案；"
                  "API: POST /api/v1/auth/login 另加 GET /api/v1/auth/captcha 的 captcha_id 及 captcha_answer):")
            print("  " + json.dumps(login, ensure_ascii=False))
        print(f"  日志: {system.log_dir}    按 Ctrl-C 停止全部服务", flush=True)
        reported = set()
        while True:  # a service that exits is reported; /readyz names it until it is back
            for name in set(system.dead()) - reported:
                print(f"服务进程已退出: {name}，日志见 {system.log_dir}；"
                      f"可用 hpf-service {name} 重新启动", file=sys.stderr, flush=True)
            reported = set(system.dead())
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n正在停止全部服务 …", flush=True)
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(1)
    finally:
        system.stop()


def build_parser():
    parser = argparse.ArgumentParser(prog="hpf", description="住房公积金单位网厅 运维命令")
    parser.add_argument("--config", default=None, help="config.yml (default: HPF_CONFIG or ./config.yml)")
    sub = parser.add_subparsers(dest="group", required=True)

    run = sub.add_parser("run", help="启动全部服务与网关，并准备演示单位")
    run.set_defaults(func=cmd_run)

    openapi = sub.add_parser("openapi", help="输出网关的OpenAPI文档（无须启动系统）")
    openapi.add_argument("--output", "-o", default=None, help="写入文件（默认输出到标准输出）")
    openapi.set_defaults(func=cmd_openapi)

    wait = sub.add_parser("wait", help="等待消息总线及服务数据库可用（容器启动用）")
    wait.add_argument("services", nargs="*")
    wait.add_argument("--timeout", type=int, default=120)
    wait.set_defaults(func=cmd_wait)

    ping = sub.add_parser("ping", help="检查一个服务是否应答（容器健康检查用）")
    ping.add_argument("service")
    ping.add_argument("--timeout", type=float, default=5)
    ping.set_defaults(func=cmd_ping)

    db = sub.add_parser("db", help="数据库迁移").add_subparsers(dest="action", required=True)
    up = db.add_parser("upgrade", help="迁移各服务数据库并写入配置中的初始数据")
    up.add_argument("services", nargs="*")
    up.set_defaults(func=cmd_db_upgrade)
    rev = db.add_parser("revision", help="按模型生成一个服务的迁移脚本")
    rev.add_argument("service")
    rev.add_argument("-m", "--message", required=True)
    rev.set_defaults(func=cmd_db_revision)

    dev = sub.add_parser("dev", help="开发模式辅助：验证码答案、短信验证码").add_subparsers(
        dest="action", required=True)
    dev.add_parser("captcha", help="输出验证码答案").add_argument("key", metavar="CAPTCHA_ID")
    dev.add_parser("sms", help="输出该手机号码最近一条短信验证码").add_argument("key", metavar="MOBILE")
    for action in dev.choices.values():
        action.set_defaults(func=cmd_dev)

    centre = sub.add_parser("centre", help="中心端业务（经由消息总线）").add_subparsers(dest="action", required=True)
    reg = centre.add_parser("register-employer", help="登记单位及经办人，输出单位账号与初始密码")
    reg.add_argument("--name", required=True)
    reg.add_argument("--uscc", required=True, help="统一社会信用代码")
    reg.add_argument("--clerk-name", required=True)
    reg.add_argument("--clerk-id", required=True)
    reg.add_argument("--clerk-mobile", required=True)
    reg.add_argument("--address", default="陕西省西安市")
    reg.add_argument("--postal-code", default="710000")
    reg.add_argument("--bank-name", default="中国建设银行西安分行")
    reg.add_argument("--bank-account", default="61050100000000000000")
    reg.add_argument("--legal-person", default="法定代表人")
    reg.add_argument("--employer-rate", default="0.12", help="单位缴存比例，如 0.12")
    reg.add_argument("--employee-rate", default="0.12", help="个人缴存比例，如 0.12")
    reg.add_argument("--first-month", help="首次汇缴月份 YYYYMM（默认登记当月）")
    reg.add_argument("--json", action="store_true")
    reg.set_defaults(func=cmd_register_employer)

    issue = centre.add_parser("issue-password", help="签发新的初始密码（登记未完成时补发；原会话全部失效，锁定解除）")
    issue.add_argument("unit_account")
    issue.add_argument("--json", action="store_true")
    issue.set_defaults(func=cmd_issue_password)

    pending = centre.add_parser("consultations", help="列出待答复的咨询建议")
    pending.add_argument("--json", action="store_true")
    pending.set_defaults(func=cmd_consultations)
    reply = centre.add_parser("reply-consultation", help="答复一条咨询建议，答复进入单位的消息中心")
    reply.add_argument("consultation_id")
    reply.add_argument("--reply", required=True, help="答复内容")
    reply.add_argument("--by", default="中心客服", help="答复人")
    reply.add_argument("--json", action="store_true")
    reply.set_defaults(func=cmd_reply_consultation)
    notice = centre.add_parser("notice", help="向单位发送中心通知（不指定单位则发给全部单位）")
    notice.add_argument("--title", required=True)
    notice.add_argument("--content", required=True)
    notice.add_argument("--unit-account", action="append", help="单位账号，可重复")
    notice.add_argument("--json", action="store_true")
    notice.set_defaults(func=cmd_notice)
    change = centre.add_parser("change-employer", help="柜台变更单位信息（含单位名称、经办人、缴存比例）")
    change.add_argument("unit_account")
    change.add_argument("--operator", required=True, help="柜台经办人")
    for option in COUNTER_OPTIONS:
        change.add_argument("--" + option.replace("_", "-"))
    change.add_argument("--clerk", action="append", metavar="姓名,证件号码,手机号码",
                        help="变更后的全部经办人，每人一次")
    change.add_argument("--json", action="store_true")
    change.set_defaults(func=cmd_change_employer)

    policy = centre.add_parser("set-policy", help="设置一个公积金年度的缴存政策（未给出的项沿用该年度或上一年度）")
    policy.add_argument("--year", type=int, required=True, help="公积金年度，如 2026（2026年7月至2027年6月）")
    policy.add_argument("--base-floor", help="缴存基数下限，如 2160.00")
    policy.add_argument("--base-cap", help="缴存基数上限，如 27000.00")
    policy.add_argument("--rate-min", help="缴存比例下限，如 0.05")
    policy.add_argument("--rate-max", help="缴存比例上限，如 0.12")
    policy.add_argument("--rounding-unit", choices=("yuan", "fen"), help="取整单位")
    policy.add_argument("--rounding-mode", choices=("half_up", "half_even", "down"), help="取整方式")
    policy.add_argument("--interest-rate", help="年利率，如 0.015")
    policy.add_argument("--day-basis", choices=("actual", "360"), help="计息天数基础")
    policy.add_argument("--json", action="store_true")
    policy.set_defaults(func=cmd_set_policy)

    annual = centre.add_parser("annual", help="单位的年度缴存基数核定：应办理的年度及已办理的核定")
    annual.add_argument("--unit-account", required=True)
    annual.add_argument("--year", type=int, help="公积金年度（默认应办理的年度）")
    annual.add_argument("--json", action="store_true")
    annual.set_defaults(func=cmd_annual)

    receipt = centre.add_parser("bank-receipt", help="银行到账通知：匹配核定入账，否则转入暂存款")
    receipt.add_argument("--unit-account", required=True)
    receipt.add_argument("--amount", required=True, help="到账金额，如 1234.00")
    receipt.add_argument("--bank-ref", required=True, help="银行流水号（同一流水号只入账一次）")
    receipt.add_argument("--reference", help="附言中的核定号")
    receipt.add_argument("--value-date", help="到账日期 YYYY-MM-DD（默认今天）")
    receipt.add_argument("--json", action="store_true")
    receipt.set_defaults(func=cmd_bank_receipt)

    apply = centre.add_parser("apply-suspense", help="暂存款转入待缴款的核定（合计须与应缴金额相等）")
    apply.add_argument("--unit-account", required=True)
    apply.add_argument("--verification", required=True, help="核定号")
    apply.add_argument("--item", action="append", required=True, type=int, help="暂存款明细编号，可重复")
    apply.add_argument("--json", action="store_true")
    apply.set_defaults(func=cmd_apply_suspense)

    settle = centre.add_parser("settle-interest", help="公积金年度结息（每年一次；再次执行不重复计息）")
    settle.add_argument("--year", required=True, help="公积金年度，如 2025（2025年7月1日至2026年6月30日）")
    settle.add_argument("--timeout", type=float, default=600, help="等待结息完成的秒数")
    settle.add_argument("--json", action="store_true")
    settle.set_defaults(func=cmd_settle_interest)

    refund = centre.add_parser("refund-suspense", help="暂存款退回单位")
    refund.add_argument("--unit-account", required=True)
    refund.add_argument("--item", action="append", required=True, type=int, help="暂存款明细编号，可重复")
    refund.add_argument("--json", action="store_true")
    refund.set_defaults(func=cmd_refund_suspense)
    return parser


def main(argv=None):
    from shared.green import monkey_patch
    monkey_patch()
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
