"""Who may talk to the local API: the key, the Origin, the Host, and how often.

The key is a UUID4 (WakaTime clients refuse anything else), kept in ``api_key`` in
TimeForged's home (mode 0600) unless the config sets ``api.key``. Clients send it as
``Authorization: Basic base64(key)`` (WakaTime's way; ``base64(key:)``, ``Bearer key`` and
``?api_key=key`` work too).

Web pages are refused whatever they send: a request carrying an Origin header is only let
through from our own browser extension. Chrome derives an extension's id from the public
key in its manifest, so ours is fixed (`CHROME_EXTENSION_IDS`); Firefox gives every
installation a random moz-extension:// UUID, so any moz-extension:// origin passes the
Origin check (web pages cannot use that scheme) and must still hold the key. The Host
header must name the loopback address, which stops DNS-rebinding pages.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import threading
import time
import uuid
from pathlib import Path

from desktop.engine.digests import compare_digest

# The id Chrome, Chromium, Edge and Brave give extension/ (fixed by "key" in its manifest).
CHROME_EXTENSION_IDS = frozenset({"kofknkkmacbjmmeojkpijmbpccbdbahp"})
FIREFOX_EXTENSION_ID = "extension@timeforged.app"
KEY_FILE = "api_key"
_UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                    re.I)


def is_valid_key(key: str) -> bool:
    return bool(_UUID4.match(key))


def load_or_create_key(home: Path) -> str:
    """The key in `home`/api_key, created (a fresh UUID4, readable by the user only) when
    missing or invalid."""
    path = home / KEY_FILE
    try:
        key = path.read_text().strip()
        if is_valid_key(key):
            return key
    except FileNotFoundError:
        pass
    key = str(uuid.uuid4())
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    os.replace(tmp, path)
    return key


def key_from_request(headers, query: dict[str, str]) -> str | None:
    """The key a request presents, if any."""
    auth = (headers.get("Authorization") or "").strip()
    scheme, _, value = auth.partition(" ")
    value = value.strip()
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded[:-1] if decoded.endswith(":") else decoded
    if scheme.lower() == "bearer" and value:
        return value
    return query.get("api_key") or None


def key_matches(presented: str | None, key: str) -> bool:
    if not presented:
        return False
    return compare_digest(presented.strip().lower().encode(), key.lower().encode())


def origin_allowed(origin: str | None) -> bool:
    """No Origin (editors, curl, our CLI) or our own extension."""
    if origin is None:
        return True
    origin = origin.strip().lower().rstrip("/")
    if origin.startswith("chrome-extension://"):
        return origin.removeprefix("chrome-extension://") in CHROME_EXTENSION_IDS
    return bool(re.fullmatch(r"moz-extension://[0-9a-f-]{36}", origin))


def host_allowed(host: str | None, port: int) -> bool:
    """The Host header names the loopback interface (or is absent, as in HTTP/1.0)."""
    if not host:
        return True
    found = re.fullmatch(r"(127\.0\.0\.1|localhost|\[::1\])(?::(\d+))?", host.strip().lower())
    return bool(found) and found.group(2) in (None, str(port))


class RateLimiter:
    """A token bucket: `rate` requests per second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate
