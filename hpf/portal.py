"""Build the browser portal (`portal/`) when its build is missing or older than its sources.

`make run`, `make test` and the browser tests call this; it runs `npm ci` (from the committed
lock file) when the installed packages are missing or older than the lock, then `npm run build`.
"""
import shutil
import subprocess
import sys
from pathlib import Path

from shared.config import ROOT

PORTAL = ROOT / "portal"
SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts",
           "tsconfig.json", "env.d.ts")


def _newest(paths):
    newest = 0.0
    for path in paths:
        if path.is_dir():
            newest = max([newest, *(p.stat().st_mtime for p in path.rglob("*")
                                    if p.is_file() and not p.name.endswith(".test.ts"))])  # tests are not built
        elif path.exists():
            newest = max(newest, path.stat().st_mtime)
    return newest


def build_needed(portal=PORTAL):
    index = portal / "dist" / "index.html"
    return not index.is_file() or index.stat().st_mtime < _newest(portal / name for name in SOURCES)


def install_needed(portal=PORTAL):
    installed = portal / "node_modules" / ".package-lock.json"
    return not installed.is_file() or installed.stat().st_mtime < (portal / "package-lock.json").stat().st_mtime


def ensure_built(portal=PORTAL, force=False, out=sys.stdout):
    """Install and build when needed; True when a build ran. Raises RuntimeError (in Chinese) when it cannot.

    The packages are installed even when the build is current: the portal's unit tests need them.
    """
    install, build = install_needed(portal), force or build_needed(portal)
    if not (install or build):
        return False
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("构建单位网厅页面需要 Node.js 20 及 npm（未找到 npm 命令）")
    steps = ([[npm, "ci", "--no-audit", "--no-fund"]] if install else []) + ([[npm, "run", "build"]] if build else [])
    for step in steps:
        print("构建页面: " + " ".join(step[1:]), file=out, flush=True)
        result = subprocess.run(step, cwd=portal, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"页面构建失败（npm {' '.join(step[1:])}）：\n{result.stdout[-4000:]}")
    return build


def main(argv=None):
    force = "--force" in (argv if argv is not None else sys.argv[1:])
    try:
        built = ensure_built(force=force)
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(1)
    print("页面已构建: portal/dist" if built else "页面已是最新: portal/dist")


if __name__ == "__main__":
    main()
