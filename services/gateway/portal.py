"""The browser portal: the built files of `portal/` served at `/`, next to the API.

Every GET that is not the API or a health check gets a file of the build, or index.html so that
the portal's own router shows the page (a link to /openings opens the openings page). Hashed
assets are cached for a year; index.html is never cached, so a new build reaches every clerk at
his next page load. When the portal is not built, `/` says in Chinese how to build it.
"""
import gzip
import mimetypes
from functools import lru_cache
from pathlib import Path

from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from shared.config import ROOT

API_PREFIXES = ("/api/", "/healthz", "/readyz")
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_COMPRESS_BYTES = 1024
ASSETS = "assets/"
LONG_CACHE = "public, max-age=31536000, immutable"

# No inline script anywhere: scripts only from the portal's own files. Styles allow inline
# because Element Plus and ECharts position poppers, tooltips and table columns by style
# attributes (see docs/DESIGN.md, Portal).
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

NOT_BUILT = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>单位网厅尚未构建</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; line-height: 1.7">
<h1>单位网厅页面尚未构建</h1>
<p>网关已启动，接口 <code>/api/v1</code> 可用，但浏览器页面（<code>portal/</code>）还没有构建。</p>
<p>在项目目录执行以下任一方式后刷新本页：</p>
<pre>make run                      # 自动构建页面并启动全部服务
cd portal &amp;&amp; npm ci &amp;&amp; npm run build   # 只构建页面（需要 Node.js 20）</pre>
<p>构建结果位于 <code>portal/dist</code>（配置项 <code>GATEWAY.portal_dir</code>，环境变量 <code>HPF_PORTAL_DIR</code>）。</p>
</body></html>
"""


def is_portal_path(path):
    return not any(path == prefix.rstrip("/") or path.startswith(prefix) for prefix in API_PREFIXES)


def portal_dir(config):
    configured = Path(str(config.get("GATEWAY", {}).get("portal_dir") or "portal/dist"))
    return configured if configured.is_absolute() else ROOT / configured


def portal_response(root, path, accept_encoding=""):
    """The response for GET `path` from the build in `root`; gzip when the browser accepts it."""
    root = Path(root)
    index = root / "index.html"
    if not index.is_file():
        return _with_headers(Response(NOT_BUILT, status=503, content_type="text/html; charset=utf-8"),
                             "no-store")
    relative = path.lstrip("/")
    target = safe_join(str(root), relative) if relative else None
    if target is not None and Path(target).is_file():
        cache = LONG_CACHE if relative.startswith(ASSETS) else "no-cache"
        return _file(Path(target), cache, accept_encoding)
    if relative.startswith(ASSETS) or "." in relative.rsplit("/", 1)[-1]:
        # a missing file (an old hash, a stray name) is a plain 404, not the page
        return _with_headers(Response("未找到该文件", status=404, content_type="text/plain; charset=utf-8"),
                             "no-store")
    return _file(index, "no-cache", accept_encoding)


def _file(path, cache, accept_encoding=""):
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    compressible = content_type.startswith(COMPRESSIBLE)
    if compressible:
        content_type += "; charset=utf-8"
    stat = path.stat()
    if compressible and stat.st_size >= MIN_COMPRESS_BYTES and "gzip" in (accept_encoding or "").lower():
        response = Response(_gzipped(str(path), stat.st_mtime_ns, stat.st_size), content_type=content_type)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(path.read_bytes(), content_type=content_type)
    if compressible:
        response.headers["Vary"] = "Accept-Encoding"
    return _with_headers(response, cache)


@lru_cache(maxsize=256)
def _gzipped(path, mtime_ns, size):
    """A file's gzip form, made once per version of the file (the key has its mtime and size)."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


def _with_headers(response, cache):
    response.headers["Cache-Control"] = cache
    response.headers.update(SECURITY_HEADERS)
    return response
