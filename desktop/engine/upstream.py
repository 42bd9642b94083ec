"""Forwarding heartbeats to one upstream WakaTime-compatible server (Wakapi, WakaTime, another
TimeForged), optional. Each new heartbeat is queued durably (the `upstream_queue` table, shared
by the desktop store and the server) when it is stored; a `Forwarder` thread drains the queue
in bulks (``POST {url}/users/current/heartbeats.bulk``, as wakatime-cli does), deleting a row
only once the upstream acknowledged it, and backs off exponentially while the upstream is
unreachable or failing. A heartbeat resent after a lost answer is the same heartbeat: the
upstream's own deduplication keeps it once. The local path never waits for the upstream."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("timeforged.upstream")
BULK = 25  # WakaTime's own limit per heartbeats.bulk request
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 300.0
ACCEPTED = (200, 201, 202)


class Queue(Protocol):
    """Where queued heartbeats live: (row id, machine name, WakaTime JSON) oldest first."""

    def take(self, limit: int) -> list[tuple[int, str, str]]: ...

    def drop(self, ids: Sequence[int]) -> None: ...

    def count(self) -> int: ...


class UpstreamError(Exception):
    pass


def endpoint(url: str) -> str:
    """The bulk endpoint of an API base URL as wakatime-cli's `api_url` names it
    (e.g. https://api.wakatime.com/api/v1, https://wakapi.dev/api, http://host:8765/api/v1)."""
    return url.rstrip("/") + "/users/current/heartbeats.bulk"


def check_url(url: str) -> str | None:
    """Why `url` cannot be an upstream, or None."""
    if not url.startswith(("http://", "https://")):
        return f"upstream url: must start with http:// or https://, got {url!r}"
    return None


def post_bulk(url: str, key: str, machine: str, bodies: Sequence[str], *,
              timeout: float = 30.0) -> list[int]:
    """POST heartbeats (JSON texts) in one request; per heartbeat the upstream's status.
    UpstreamError when the request as a whole failed (nothing is known acknowledged)."""
    # Here: an idle tray that forwards nothing does not load them (1 MiB).
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen

    data = ("[" + ",".join(bodies) + "]").encode()
    request = Request(endpoint(url), data=data, method="POST", headers={
        "Authorization": "Basic " + base64.b64encode(key.encode()).decode(),
        "Content-Type": "application/json", "X-Machine-Name": machine,
        "User-Agent": "timeforged-upstream"})
    try:
        with urlopen(request, timeout=timeout) as resp:
            status, text = resp.status, resp.read()
    except HTTPError as exc:
        status, text = exc.code, exc.read()
        if status != 400:  # a bulk of bad heartbeats only is a 400 with per-item answers
            raise UpstreamError(f"HTTP {status}: {text[:200].decode('utf-8', 'replace')}"
                                ) from None
    except (OSError, ValueError) as exc:
        raise UpstreamError(f"{type(exc).__name__}: {exc}") from None
    return _statuses(status, text, len(bodies))


def _statuses(status: int, text: bytes, count: int) -> list[int]:
    try:
        answers = json.loads(text).get("responses")
    except (ValueError, AttributeError):
        answers = None
    if not isinstance(answers, list) or len(answers) != count:
        if status in ACCEPTED:
            return [status] * count  # acknowledged as a whole
        raise UpstreamError(f"HTTP {status} without per-heartbeat answers")
    out = []
    for answer in answers:
        code = answer[1] if isinstance(answer, list) and len(answer) == 2 else None
        out.append(code if isinstance(code, int) else 500)
    return out


@dataclass
class Status:
    queued: int
    sent: int  # acknowledged by the upstream since this process started
    refused: int  # refused by the upstream as bad data (400): dropped, never retried
    last_error: str | None
    last_error_at: float | None
    retry_at: float | None  # when the next attempt is due while backing off

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Forwarder:
    """Drains `queue` to the upstream in a thread of its own; `nudge()` after queueing.
    `lock` (optional) is held while draining: with several server processes, one sends."""

    def __init__(self, queue: Queue, url: str, key: str, *, bulk: int = BULK,
                 lock: Callable[[], Any] | None = None) -> None:
        self.queue, self.url, self.key, self.bulk, self.lock = queue, url, key, bulk, lock
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.sent = self.refused = 0
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.retry_at: float | None = None
        self._backoff = 0.0

    def start(self) -> Forwarder:
        self._thread = threading.Thread(target=self._run, name="upstream", daemon=True)
        self._thread.start()
        return self

    def nudge(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=40)
            self._thread = None

    def status(self) -> Status:
        try:
            queued = self.queue.count()
        except Exception:
            queued = -1
        return Status(queued, self.sent, self.refused, self.last_error, self.last_error_at,
                      self.retry_at)

    def _run(self) -> None:
        while not self._stopping:
            try:
                more = self.drain_once()
            except UpstreamError as exc:
                self._failed(str(exc))
                more = False
            except Exception as exc:  # the queue itself (database) failed: try again later
                log.exception("upstream queue")
                self._failed(f"queue: {type(exc).__name__}: {exc}")
                more = False
            if more:
                continue
            wait = self._backoff if self._backoff else 5.0  # also picks up other processes'
            self._wake.wait(wait)
            self._wake.clear()

    def _failed(self, error: str) -> None:
        self._backoff = min(MAX_BACKOFF, self._backoff * 2 if self._backoff else FIRST_BACKOFF)
        self.last_error, self.last_error_at = error, time.time()
        self.retry_at = time.time() + self._backoff
        log.warning("upstream: %s (retry in %.0f s)", error, self._backoff)

    def drain_once(self) -> bool:
        """Send one bulk; whether there may be more. UpstreamError when the upstream failed."""
        if self.lock is None:
            return self._send()
        with self.lock() as got:
            return self._send() if got else False

    def _send(self) -> bool:
        rows = self.queue.take(self.bulk * 4)
        if not rows:
            return False
        machine = rows[0][1]
        rows = [r for r in rows if r[1] == machine][:self.bulk]
        statuses = post_bulk(self.url, self.key, machine, [r[2] for r in rows])
        done = [r[0] for r, s in zip(rows, statuses, strict=True) if s in ACCEPTED or s == 400]
        refused = sum(1 for s in statuses if s == 400)
        if refused:
            log.warning("upstream refused %d heartbeats as bad data: dropped", refused)
        self.queue.drop(done)
        self.sent += len(done) - refused
        self.refused += refused
        if len(done) < len(rows):
            raise UpstreamError(f"{len(rows) - len(done)} heartbeats not accepted "
                                f"(statuses {sorted(set(statuses))})")
        self._backoff, self.retry_at = 0.0, None
        return True


def wire(beat: Any) -> str:
    """A heartbeat's JSON as forwarded: WakaTime's shape, unchanged."""
    return json.dumps(beat.to_dict(), separators=(",", ":"))


KEYRING_SERVICE = "timeforged-upstream"  # the desktop's upstream key, by URL
KEY_FILE = "upstream-key"  # where no keyring works (0600)


def save_upstream_key(home: Path, url: str, key: str) -> str | None:
    """Keep the upstream's key in the keyring; a warning when it had to go to a file."""
    from desktop.engine.sync import save_key

    return save_key(home, url, key, service=KEYRING_SERVICE, file=KEY_FILE)


def desktop_forwarder(store: Any, home: Path, url: str | None) -> Forwarder | None:
    """The engine's forwarder (not started) when an upstream is configured, or None. Without
    a key it still runs: heartbeats queue up and the status says why none are sent."""
    if not url:
        return None
    from desktop.engine.store.upstream_queue import StoreQueue
    from desktop.engine.sync import load_key

    key = load_key(home, url, service=KEYRING_SERVICE, file=KEY_FILE) or ""
    return Forwarder(StoreQueue(store), url, key)
