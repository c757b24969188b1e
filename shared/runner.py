"""Run one service as its own process: `hpf-service NAME [--config FILE]`."""
import argparse
import errno
import gc
import importlib
import logging
import os
import signal
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


def start_service(service_cls, config):
    """The service's container, started. What start-up built (modules, schemas, the container's
    extensions: some 100,000 objects) lives as long as the process, so it is then frozen out of
    the garbage collector: a full collection walked all of it, a stall of 40-70 ms every 20 s or
    so under load."""
    from nameko.runners import ServiceRunner
    runner = ServiceRunner(config)
    runner.add_service(service_cls)
    runner.start()
    gc.collect()
    gc.freeze()
    return runner


def run_until_stopped(runner):
    """As `nameko run`: SIGTERM or Ctrl-C stops the service gracefully, a second Ctrl-C kills it."""
    import eventlet
    signal.signal(signal.SIGTERM, lambda *_: eventlet.spawn_n(runner.stop))  # no eventlet in a handler
    waiting = eventlet.spawn(runner.wait)
    while True:
        try:
            return waiting.wait()
        except OSError as exc:  # a signal interrupted the wait
            if exc.errno != errno.EINTR:
                raise
        except KeyboardInterrupt:
            try:
                runner.stop()
            except KeyboardInterrupt:
                runner.kill()


def main(argv=None):
    from shared.green import monkey_patch
    monkey_patch()

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
    run_until_stopped(start_service(service_class(args.service), config))


if __name__ == "__main__":
    main()
