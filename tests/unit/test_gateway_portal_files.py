"""The portal's files as the gateway serves them: which paths, which caching, no way out of the build."""
import gzip

import pytest

from services.gateway.portal import LONG_CACHE, NOT_BUILT, is_portal_path, portal_dir, portal_response
from shared.config import ROOT


@pytest.fixture
def build(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><script type="module" src="/assets/index-abc123.js"></script>')
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    (dist / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("do not serve")
    return dist


def test_api_and_health_paths_are_not_the_portal():
    for path in ("/api/v1/employer", "/api/v1/nothing", "/healthz", "/readyz"):
        assert not is_portal_path(path)
    for path in ("/", "/openings", "/members/changes", "/assets/index.js", "/apix"):
        assert is_portal_path(path)


def test_index_for_every_page_path_never_cached(build):
    for path in ("", "/", "/openings", "/members/changes"):
        response = portal_response(build, path)
        assert response.status_code == 200
        assert b"index-abc123.js" in response.get_data()
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["Content-Type"].startswith("text/html")
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]


def test_hashed_assets_are_cached_long(build):
    response = portal_response(build, "/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.get_data() == b"console.log(1)"
    assert response.headers["Cache-Control"] == LONG_CACHE
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert portal_response(build, "/favicon.svg").headers["Cache-Control"] == "no-cache"


def test_text_assets_are_gzipped_for_browsers_that_accept_it(build):
    big = "export const x = '" + "公积金" * 2000 + "'"
    (build / "assets" / "big-def456.js").write_text(big, encoding="utf-8")
    plain = portal_response(build, "/assets/big-def456.js")
    assert plain.get_data() == big.encode("utf-8") and "Content-Encoding" not in plain.headers
    zipped = portal_response(build, "/assets/big-def456.js", "gzip, deflate, br")
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.get_data()) == big.encode("utf-8")
    assert len(zipped.get_data()) < len(big.encode("utf-8")) // 10
    (build / "assets" / "big-def456.js").write_text(big + ";", encoding="utf-8")  # a new version is not served stale
    assert gzip.decompress(portal_response(build, "/assets/big-def456.js", "gzip").get_data()).endswith(b";")


def test_a_missing_asset_is_404_not_the_page(build):
    for path in ("/assets/index-old999.js", "/robots.txt"):
        response = portal_response(build, path)
        assert response.status_code == 404
        assert b"index-abc123" not in response.get_data()


def test_no_path_leaves_the_build(build):
    for path in ("/../secret.txt", "/assets/../../secret.txt", "/..", "/../", "/assets/../../../etc/passwd",
                 "//etc/passwd", "/" + str(build.parent / "secret.txt")):
        response = portal_response(build, path)
        assert b"do not serve" not in response.get_data(), path
        assert b"root:" not in response.get_data(), path


def test_not_built_says_in_chinese_how_to_build(tmp_path):
    response = portal_response(tmp_path / "missing", "/")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == NOT_BUILT
    assert "npm ci" in NOT_BUILT and "尚未构建" in NOT_BUILT
    assert response.headers["Cache-Control"] == "no-store"


def test_portal_dir_is_relative_to_the_project(tmp_path):
    assert portal_dir({"GATEWAY": {"portal_dir": "portal/dist"}}) == ROOT / "portal" / "dist"
    assert portal_dir({"GATEWAY": {"portal_dir": str(tmp_path)}}) == tmp_path
