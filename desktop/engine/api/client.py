"""Talking to the running app or `timeforged track` through its local API (for the CLI)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.engine import paths

if TYPE_CHECKING:
    from email.message import Message

SERVER_NAME = "TimeForged"  # the server's Server header: how the client knows it is us answering

class ApiUnavailable(Exception):
    """Nothing answers on the port: TimeForged is not running (or its API is off)."""


class ApiForeign(ApiUnavailable):
    """Something answers on the port, but not TimeForged: another program holds it."""


class ApiClientError(Exception):
    """The API answered with an error; `status` and the server's message."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(f"{message} (HTTP {status})")
        self.status = status
        self.message = message
        self.field = field


class ApiClient:
    def __init__(self, port: int, key: str, *, timeout: float = 10.0) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.key = key
        self.timeout = timeout

    @classmethod
    def for_home(cls, home: Path | None = None, **kwargs: Any) -> ApiClient:
        """The client for the engine running on `home` (TIMEFORGED_HOME by default)."""
        from desktop.engine.api.security import load_or_create_key
        from desktop.engine.config import Config, ConfigError, load_config

        home = home or paths.home()
        try:
            config = load_config(paths.config_file(home))
        except ConfigError:
            config = Config()
        return cls(config.api.port, load_or_create_key(home), **kwargs)

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body)

    def _check_ours(self, headers: Message) -> None:
        if not _is_ours(headers):
            host = self.base.removeprefix("http://")
            raise ApiForeign(f"{host} is held by another program, not TimeForged (it answered "
                             f"as {headers.get('Server') or 'an unnamed server'}): quit that "
                             "program, or set another api.port in config.toml and run "
                             "`timeforged setup-editors`")

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """The decoded JSON answer (or text). Raises ApiUnavailable or ApiClientError."""
        import urllib.error
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": "Basic " + base64.b64encode(self.key.encode()).decode(),
            "Content-Type": "application/json", "User-Agent": "timeforged-cli"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                self._check_ours(resp.headers)
                return _decode(resp.read(), resp.headers.get_content_type())
        except urllib.error.HTTPError as exc:
            self._check_ours(exc.headers)
            answer = _decode(exc.read(), exc.headers.get_content_type())
            if isinstance(answer, dict) and "error" in answer:
                raise ApiClientError(exc.code, str(answer["error"]), answer.get("field")) from None
            raise ApiClientError(exc.code, str(answer or exc.reason)) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            raise ApiUnavailable(f"TimeForged is not running on {self.base} (start the app or "
                                 f"`timeforged track`): {exc}") from None


def _is_ours(headers: Message) -> bool:
    return (headers.get("Server") or "").split("/")[0].split(" ")[0] == SERVER_NAME


def _decode(raw: bytes, content_type: str) -> Any:
    if content_type == "application/json" and raw:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw.decode(errors="replace")
