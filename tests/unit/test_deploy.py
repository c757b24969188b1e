"""There is no Docker engine here: check the compose file and the image by reading them."""
from pathlib import Path

import yaml

from shared.config import ROOT, load_config
from shared.runner import SERVICES

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def service_dirs():
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/service.py"))


def test_every_service_directory_is_runnable():
    assert service_dirs() == sorted(SERVICES)


def test_compose_starts_every_service_with_the_readme_runner_and_config():
    for name in service_dirs():
        spec = COMPOSE["services"][name]
        assert spec["command"] == ["hpf-service", name, "--config", "/app/config.yml"]
    assert "hpf-service NAME --config config.yml" in README


def test_compose_has_broker_database_and_scalable_services():
    services = COMPOSE["services"]
    assert "management" in services["rabbitmq"]["image"]
    assert services["postgres"]["image"].startswith("postgres")
    for name in service_dirs():
        assert "container_name" not in services[name]          # --scale needs unnamed containers
        assert "healthcheck" in services[name]
        assert services[name]["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        env = services[name]["environment"]
        assert env["AMQP_URI"].startswith("amqp://")
        if name != "gateway":
            assert env[f"{name.upper()}_DB_URL"].startswith(f"postgresql://hpf_{name}:")
            assert env[f"{name.upper()}_DB_URL"].endswith(f"/hpf_{name}")
    assert services["gateway"]["ports"] == ["8000:8000"]
    assert "ports" not in services["accounts"] and "ports" not in services["rabbitmq"]


def test_compose_has_no_default_secrets():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for variable in ("HPF_JWT_SECRET", "HPF_VOUCHER_SECRET", "HPF_AMQP_PASSWORD", "HPF_DB_PASSWORD",
                     "POSTGRES_PASSWORD"):
        assert f"${{{variable}:?" in text
    assert "guest" not in text


def test_one_database_and_role_per_service_is_created():
    init = (ROOT / "deploy" / "postgres-init.sh").read_text()
    listed = init.split("for service in ", 1)[1].split(";", 1)[0].split()
    assert sorted(listed) == sorted(name for name in service_dirs() if name != "gateway")
    assert "CREATE DATABASE hpf_$service OWNER hpf_$service;" in init


def test_image_entrypoint_waits_and_migrates():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    assert "ENTRYPOINT" in dockerfile and "entrypoint.sh" in dockerfile
    assert "hpf wait" in entrypoint and "hpf db upgrade" in entrypoint
    assert Path(ROOT / "deploy" / "entrypoint.sh").stat().st_mode & 0o111


def test_image_builds_the_portal_in_its_own_stage_and_the_gateway_serves_its_output():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    stages = [line.split() for line in dockerfile.splitlines() if line.upper().startswith("FROM ")]
    assert stages[0][1].startswith("node:20") and stages[0][-2:] == ["AS", "portal"]
    portal_stage = dockerfile.split("FROM ", 2)[1]
    assert "COPY portal/package.json portal/package-lock.json" in portal_stage
    assert "npm ci" in portal_stage and "npm run build" in portal_stage
    final = dockerfile.split("FROM ", 2)[2]
    assert final.startswith("python:3.11")
    assert "COPY --from=portal /portal/dist ./portal/dist" in final
    assert "HPF_PORTAL_DIR=/app/portal/dist" in final  # where the gateway looks (GATEWAY.portal_dir)
    assert (ROOT / "portal" / "package-lock.json").is_file()
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "portal/node_modules" in ignored and "portal/dist" in ignored  # built inside, never copied in


def test_the_image_and_ci_install_the_voucher_font():
    font = load_config()["VOUCHERS"]["font"]
    assert "fonts-wqy-microhei" in (ROOT / "deploy" / "Dockerfile").read_text()
    assert "fonts-wqy-microhei" in (ROOT / ".ci" / "run").read_text() and font in (ROOT / ".ci" / "run").read_text()
