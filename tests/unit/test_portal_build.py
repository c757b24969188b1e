"""When the portal is (re)built, and the OpenAPI document its types come from."""
import json
import os
import subprocess
import sys

from hpf.portal import build_needed, install_needed
from shared.config import ROOT


def make_portal(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.ts").write_text("x")
    (tmp_path / "package-lock.json").write_text("{}")
    return tmp_path


def touch(path, when):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, (when, when))


def test_built_when_missing_or_older_than_a_source(tmp_path):
    portal = make_portal(tmp_path)
    assert build_needed(portal)
    touch(portal / "src" / "main.ts", 1_000)
    touch(portal / "package-lock.json", 1_000)
    touch(portal / "dist" / "index.html", 2_000)
    assert not build_needed(portal)
    touch(portal / "src" / "lib" / "format.test.ts", 3_000)  # a unit test is not part of the build
    assert not build_needed(portal)
    touch(portal / "src" / "views" / "New.vue", 3_000)
    assert build_needed(portal)


def test_packages_installed_when_missing_or_older_than_the_lock(tmp_path):
    portal = make_portal(tmp_path)
    assert install_needed(portal)
    touch(portal / "package-lock.json", 1_000)
    touch(portal / "node_modules" / ".package-lock.json", 2_000)
    assert not install_needed(portal)
    touch(portal / "package-lock.json", 3_000)
    assert install_needed(portal)


def test_hpf_openapi_writes_the_document_without_a_running_system(tmp_path):
    out = tmp_path / "openapi.json"
    result = subprocess.run([sys.executable, "-m", "hpf.cli", "openapi", "-o", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "AMQP_URI": "amqp://guest:guest@127.0.0.1:1/"})
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert "/api/v1/openings/drafts" in document["paths"]
    assert "Login" in document["components"]["schemas"]


def test_committed_portal_document_is_the_current_one():
    """The portal's generated types come from portal/openapi.json: it must match the routes."""
    from services.gateway import api  # noqa: F401
    from services.gateway.openapi import openapi_document
    committed = json.loads((ROOT / "portal" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(openapi_document(), ensure_ascii=False)), \
        "网关接口已变化：运行 make openapi 重新生成 portal/openapi.json 及 portal/src/api/schema.d.ts"
