"""Run one service as its own process: `hpf-service NAME [--config FILE]`."""
import argparse
import importlib
import logging
import os
import sys

SERVICES = {
    "auth": "services.auth.service:AuthService",
    "employer": "services.employer.service:EmployerService",
    "accounts": "services.accounts.service:AccountsService",
    "contributions": "services.contributions.service:ContributionsService",
    "progress": "services.progress.service:ProgressService",
    "gateway": "services.gateway.service:GatewayService",
}
DATA_SERVICES = [name for name in SERVICES if name != "gateway"]
# Started only in dev mode: captcha answers and the SMS outbox behind `hpf dev`.
DEV_SERVICES = {"dev": "hpf.dev:DevService"}


def service_class(name):
    module_name, class_name = {**SERVICES, **DEV_SERVICES}[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


class ExpectedErrorFilter(logging.Filter):
    """A business refusal (an entrypoint's expected exception) is routine: one INFO line, no traceback."""

    def filter(self, record):
        if record.msg.startswith("(expected)"):
            record.levelno, record.levelname, record.exc_info, record.exc_text = logging.INFO, "INFO", None, None
        return True


LOG_FORMAT = "%(asctime)s {service}[%(process)d] %(levelname)s %(name)s: %(message)s"


def configure_logging(service_name):
    level = os.environ.get("HPF_LOG_LEVEL", "INFO").upper()
    # no thread names in the format: under eventlet, asking for one (every record does by default)
    # costs as much as the rest of the record
    logging.logThreads = False
    logging.basicConfig(level=level, stream=sys.stderr, format=LOG_FORMAT.format(service=service_name))
    logging.getLogger("nameko.containers").addFilter(ExpectedErrorFilter())


def main(argv=None):
    from shared.green import monkey_patch
    monkey_patch()

    from nameko.cli.run import run
    from shared.config import load_config
    from shared.tokens import check_production_secrets

    parser = argparse.ArgumentParser(prog="hpf-service", description="运行一个服务进程")
    parser.add_argument("service", choices=sorted({**SERVICES, **DEV_SERVICES}))
    parser.add_argument("--config", default=None, help="config.yml (default: HPF_CONFIG or ./config.yml)")
    args = parser.parse_args(argv)

    configure_logging(args.service)
    config = load_config(args.config)
    try:
        check_production_secrets(config)
    except RuntimeError as exc:
        sys.exit(f"{args.service}: 拒绝启动: {exc}")
    run([service_class(args.service)], config)


if __name__ == "__main__":
    main()
