"""Server settings: a TOML file, then TIMEFORGED_SERVER_* environment variables on top.

Every key of `ServerConfig` can be set either way: ``database = "postgresql://..."`` in the
file, or ``TIMEFORGED_SERVER_DATABASE=...``; nested SMTP keys as ``[smtp] host = ...`` or
``TIMEFORGED_SERVER_SMTP_HOST=...``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.engine.upstream import check_url

ENV_PREFIX = "TIMEFORGED_SERVER_"


class ServerConfigError(ValueError):
    pass


@dataclass
class SmtpConfig:
    host: str = ""  # empty: no emails
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str = ""
    password: str = ""
    sender: str = "TimeForged <timeforged@localhost>"
    timeout: float = 20.0
    ca_file: str = ""  # PEM certificates to trust (a private CA); empty: the system's
    verify: bool = True  # false: accept any certificate (a self-signed one; not advised)


@dataclass
class UpstreamConfig:
    """Forward every heartbeat to one WakaTime-compatible API (server.upstream)."""

    url: str = ""  # its API base, as wakatime-cli's api_url; empty: no forwarding
    key: str = ""


@dataclass
class ServerConfig:
    database: str = "sqlite:///timeforged-server.sqlite3"  # or postgresql://user:pw@host/db
    host: str = "127.0.0.1"
    port: int = 8765
    public_url: str = "http://127.0.0.1:8765"
    rate_per_second: float = 50.0  # per API key, sustained
    rate_burst: int = 200
    max_body_bytes: int = 8 << 20  # larger: 413 (JSON deeper than 1024 levels: 400)
    header_timeout_seconds: float = 10.0  # a request's headers must arrive within this
    body_timeout_seconds: float = 60.0  # its body too, counted from the headers: else 408
    keep_alive_seconds: int = 5  # an idle kept-alive connection is closed after this
    jobs_interval_seconds: float = 60.0  # 0: no scheduler in this process
    rollup_interval_seconds: float = 30.0
    weekly_email_weekday: int = 0  # Monday (the week before is reported)
    weekly_email_hour: int = 7  # in the user's time zone
    log_format: str = "json"  # json | text
    log_level: str = "INFO"
    cookie_secure: bool = False  # True: the session cookie is always Secure
    behind_proxy: bool = False  # True: trust X-Forwarded-Proto (Secure cookie when https)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    upstream: UpstreamConfig = field(default_factory=UpstreamConfig)


def _convert(name: str, value: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            if isinstance(value, bool):
                return value
            raise ValueError(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, str):
            if not isinstance(value, str):
                raise ValueError(value)
            return value
    except (TypeError, ValueError):
        raise ServerConfigError(f"{name}: expected {type(default).__name__}, got {value!r}"
                                ) from None
    return value


def _apply(target: Any, data: Mapping[str, Any], prefix: str) -> None:
    for key, value in data.items():
        spec = {f.name for f in dataclasses.fields(target)}
        if key not in spec:
            raise ServerConfigError(f"{prefix}{key}: unknown setting")
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, Mapping):
                raise ServerConfigError(f"{prefix}{key}: expected a table")
            _apply(current, value, f"{prefix}{key}.")
        else:
            setattr(target, key, _convert(prefix + key, value, current))


def load_server_config(path: Path | str | None = None,
                       environ: Mapping[str, str] | None = None) -> ServerConfig:
    """The file at `path` (or $TIMEFORGED_SERVER_CONFIG, if set), then the environment."""
    environ = os.environ if environ is None else environ
    config = ServerConfig()
    path = path or environ.get(ENV_PREFIX + "CONFIG")
    if path:
        try:
            data = tomllib.loads(Path(path).read_text())
        except OSError as exc:
            raise ServerConfigError(f"{path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ServerConfigError(f"{path}: {exc}") from None
        _apply(config, data, "")
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            for sub in dataclasses.fields(value):
                env = f"{ENV_PREFIX}{f.name}_{sub.name}".upper()
                if env in environ:
                    setattr(value, sub.name, _convert(env, environ[env], getattr(value, sub.name)))
        else:
            env = (ENV_PREFIX + f.name).upper()
            if env in environ and f.name != "config":
                setattr(config, f.name, _convert(env, environ[env], value))
    if config.smtp.security not in ("starttls", "ssl", "none"):
        raise ServerConfigError("smtp.security: one of starttls, ssl, none")
    if config.log_format not in ("json", "text"):
        raise ServerConfigError("log_format: json or text")
    if config.upstream.url and (problem := check_url(config.upstream.url)):
        raise ServerConfigError(problem)
    return config
