"""Configuration: one YAML file, `${VAR:default}` anywhere in a string value."""
import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.yml"

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")
_INT = re.compile(r"-?(0|[1-9]\d*)")  # "0610" stays text: a code, not a number


def _typed(raw):
    """A whole-value substitution keeps the type a reader expects of it."""
    if _INT.fullmatch(raw):
        return int(raw)
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    return raw


def expand(value, environ=None):
    """Expand `${VAR}` / `${VAR:default}` in one string."""
    env = os.environ if environ is None else environ
    whole = _VAR.fullmatch(value)
    if whole:
        return _typed(env.get(whole[1], whole[2] if whole[2] is not None else ""))
    return _VAR.sub(lambda m: env.get(m[1], m[2] if m[2] is not None else ""), value)


def _walk(node, environ):
    if isinstance(node, dict):
        return {key: _walk(value, environ) for key, value in node.items()}
    if isinstance(node, list):
        return [_walk(value, environ) for value in node]
    if isinstance(node, str):
        return expand(node, environ)
    return node


def is_dev(config):
    """Development mode: only then do the dev helpers (captcha answers, SMS outbox) answer."""
    return config.get("HPF_MODE") == "dev"


def load_config(path=None, environ=None):
    path = Path(path or os.environ.get("HPF_CONFIG") or DEFAULT_CONFIG)
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return _walk(raw, environ)
