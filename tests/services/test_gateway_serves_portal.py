"""The gateway serves the built portal at / next to the API; nothing outside the build is reachable."""
import http.client

import pytest
import requests

from services.gateway.service import GatewayService
from tests.e2e.helpers import free_port


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><div id="app"></div>'
                                     '<script type="module" src="/assets/index-abc123.js"></script>')
    (dist / "assets" / "index-abc123.js").write_text("export default 1")
    (root / "secret.txt").write_text("do not serve")
    return dist


@pytest.fixture(scope="module")
def gateways(start_service, config, build, tmp_path_factory):
    built, unbuilt = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    start_service(GatewayService, WEB_SERVER_ADDRESS=built,
                  GATEWAY={**config["GATEWAY"], "portal_dir": str(build)})
    start_service(GatewayService, WEB_SERVER_ADDRESS=unbuilt,
                  GATEWAY={**config["GATEWAY"], "portal_dir": str(tmp_path_factory.mktemp("none") / "dist")})
    return built, unbuilt


def raw_get(address, path):
    """The path exactly as written: no client normalises the dots away."""
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_index_for_pages_assets_cached_and_api_untouched(gateways):
    base = f"http://{gateways[0]}"
    for path in ("/", "/openings", "/tasks/abc"):
        response = requests.get(base + path, timeout=10)
        assert response.status_code == 200, path
        assert 'id="app"' in response.text
        assert response.headers["Cache-Control"] == "no-cache"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    asset = requests.get(base + "/assets/index-abc123.js", timeout=10)
    assert asset.status_code == 200 and "immutable" in asset.headers["Cache-Control"]
    missing = requests.get(base + "/api/v1/nothing", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    assert requests.get(base + "/healthz", timeout=10).json() == {"status": "ok"}
    assert requests.post(base + "/openings", timeout=10).status_code == 404  # pages are GET only


def test_path_traversal_is_impossible(gateways):
    for path in ("/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                 "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt",
                 "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
        status, body = raw_get(gateways[0], path)
        assert b"do not serve" not in body and b"root:" not in body, path
        assert status in (200, 400, 404), path


def test_unbuilt_portal_answers_a_chinese_page(gateways):
    response = requests.get(f"http://{gateways[1]}/", timeout=10)
    assert response.status_code == 503
    assert "尚未构建" in response.text and "npm run build" in response.text
    assert "Traceback" not in response.text
    assert requests.get(f"http://{gateways[1]}/healthz", timeout=10).status_code == 200
