"""Sync with a self-hosted TimeForged server (server/): this device's spans and deletions go
up in batches, the other devices' come down, so every machine ends with one history.

Nothing leaves the machine unless `[sync] enabled = true`. Uploads are idempotent by span
uuid (the server keeps the newest `updated` version), so a batch interrupted anywhere is
simply sent again. The outbox is the store itself: this device's spans changed after the
upload cursor (persisted in the store's meta table with the download cursor), so days
offline cost nothing but a longer catch-up. Failures are retried with exponential backoff
and jitter. The API key lives in the OS keyring; where no keyring works, in a 0600 file in
the TimeForged home (a warning says so).
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.engine.achievements import wire as achievement_wire
from desktop.engine.api.shapes import system_os
from desktop.engine.commit_holdings import report_held
from desktop.engine.commit_sync import push_commits
from desktop.engine.digests import sha256
from desktop.engine.span import Span
from desktop.engine.store import Store

log = logging.getLogger(__name__)

KEYRING_SERVICE = "timeforged-sync"
KEY_FILE = "sync-key"
BATCH = 500
PULL_LIMIT = 1000
BACKOFF_BASE = 5.0
BACKOFF_CAP = 15 * 60.0
_SPAN_FIELDS: tuple[str, ...] = Span.__slots__
_CURSORS = ("sync_url", "sync_pull", "sync_push_updated", "sync_push_id", "sync_push_deleted")
DEVICES_META = "sync_devices"  # the server's names of this user's devices (JSON)
ACHIEVEMENTS_META = "sync_achievements"  # digest of the achievements last sent
SHORT_ID = 8

Progress = Callable[[str, int, int], None]  # (phase "pull"|"push", done, total)


def _last_pushed(cursor: str) -> str | None:
    """The uuid of the last span pushed at `sync_push_updated`, as `sync_push_id` holds it
    (JSON); None, to push from the first span of that time, for none ("") or the row id a
    store before schema 22 kept (spans since pushed again are harmless, skipped ones not)."""
    return json.loads(cursor) if cursor.startswith('"') else None


class SyncError(Exception):
    """Sync failed; `transient` failures (network, server busy or down) are retried."""

    def __init__(self, message: str, *, transient: bool = True,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


# -- the key --------------------------------------------------------------------------------


def _keyring() -> Any | None:
    """The keyring module if a real backend works here, else None."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or "fail" in type(backend).__module__ or \
                getattr(backend, "priority", 1) <= 0:
            return None
        return keyring
    except Exception:
        return None


def save_key(home: Path, url: str, key: str, *, service: str = KEYRING_SERVICE,
             file: str = KEY_FILE) -> str | None:
    """Keep the key; returns a warning when it had to go to a file instead of a keyring.
    (`service`, `file`: where another server's key goes, such as the upstream's.)"""
    ring = _keyring()
    if ring is not None:
        try:
            ring.set_password(service, url, key)
            (home / file).unlink(missing_ok=True)
            return None
        except Exception as exc:
            log.warning("keyring refused the key: %s", exc)
    path = home / file
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps({"url": url, "key": key}))
    os.chmod(path, 0o600)
    return (f"No working keyring on this system: the key is stored in {path} "
            f"(readable only by you, but not encrypted).")


def load_key(home: Path, url: str, *, service: str = KEYRING_SERVICE,
             file: str = KEY_FILE) -> str | None:
    ring = _keyring()
    if ring is not None:
        try:
            key = ring.get_password(service, url)
            if key:
                return key
        except Exception as exc:
            log.warning("keyring unavailable: %s", exc)
    try:
        data = json.loads((home / file).read_text())
    except (OSError, ValueError):
        return None
    return data.get("key") if data.get("url") == url else None


def key_location(home: Path, url: str) -> str | None:
    """Where the key for `url` is kept, in words; None when no key is stored."""
    ring = _keyring()
    if ring is not None:
        try:
            if ring.get_password(KEYRING_SERVICE, url):
                return f"the system keyring ({type(ring.get_keyring()).__name__})"
        except Exception as exc:
            log.warning("keyring unavailable: %s", exc)
    path = home / KEY_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("url") != url or not data.get("key"):
        return None
    return f"the file {path} (readable only by you, not encrypted: no keyring service here)"


# -- the server's API ---------------------------------------------------------------------


class Client:
    def __init__(self, url: str, key: str, timeout: float = 30.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise SyncError(f"sync url: expected http(s)://..., got {url!r}", transient=False)
        self.url = url.rstrip("/")
        self.key = key
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None,
                query: dict[str, Any] | None = None) -> Any:
        # Here: an idle tray that syncs nothing loads neither urllib.request (1 MiB) nor
        # ssl (OpenSSL, 6 MiB with hashlib's), which urllib.request imports anyway.
        import ssl
        from urllib.error import HTTPError, URLError
        from urllib.request import Request, urlopen

        target = self.url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        req = Request(target, data=data, method=method, headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json",
            "User-Agent": "timeforged-sync/1"})
        try:
            with urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read() or b"null")
        except HTTPError as exc:
            detail = _detail(exc.read()[:300].decode("utf-8", "replace"))
            if exc.code in (401, 403):
                raise SyncError(f"the server refused the API key ({exc.code}: {detail}); "
                                f"check the key, or create one with `timeforged-server "
                                f"admin create-key`", transient=False) from None
            retry = exc.headers.get("Retry-After")
            transient = exc.code == 429 or exc.code >= 500
            raise SyncError(f"server answered {exc.code}: {detail}", transient=transient,
                            retry_after=float(retry) if retry and retry.isdigit() else None
                            ) from None
        except (URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise SyncError(f"TLS error with {self.url}: the server's certificate is not "
                                f"trusted ({reason.verify_message})", transient=False) from None
            if isinstance(reason, ssl.SSLError):
                raise SyncError(f"TLS error with {self.url}: {reason.reason or reason} (is "
                                f"it an https server?)") from None
            raise SyncError(f"cannot reach {self.url}: server unreachable, "
                            f"{_network_reason(reason)}") from None

    def hello(self) -> dict[str, Any]:
        return self.request("GET", "/api/sync/v1/hello")

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "/api/sync/v1/push", payload)

    def pull(self, cursor: int, limit: int) -> dict[str, Any]:
        return self.request("GET", "/api/sync/v1/pull", query={"cursor": cursor, "limit": limit})


def _detail(body: str) -> str:
    """FastAPI's {"detail": ...} as plain text."""
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        return body.strip() or "no details"
    return detail if isinstance(detail, str) else json.dumps(detail)


def _network_reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running, on that port?)"
    if isinstance(reason, TimeoutError):
        return "no answer (timed out)"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason.strerror})"
    return str(reason)


def test_connection(url: str, key: str) -> str:
    """A line for the settings dialog: who the server says we are, and our devices there.
    Raises SyncError."""
    hello = Client(url, key, timeout=10).hello()
    devices = hello.get("devices")
    known = ""
    if isinstance(devices, dict):  # (older servers do not list them)
        known = (f"; devices: {', '.join(sorted(map(str, devices.values())))}" if devices
                 else "; no device synced yet")
    version = f" {hello['version']}" if hello.get("version") else ""
    return f"Connected to {url} (TimeForged server{version}) as {hello.get('user')}{known}"


def device_names(store: Store, own_name: str | None = None) -> dict[str, str]:
    """Each device of the store's history (and this one) -> a name: this device's own, the
    server's (remembered from the last sync), else a short id."""
    try:
        known = json.loads(store.meta(DEVICES_META) or "{}")
    except ValueError:
        known = {}
    names: dict[str, str] = {}
    for _source, device in store.origins().values():
        name = known.get(device) if isinstance(known, dict) else None
        names[device] = name if name and name != device else device[:SHORT_ID]
    names[store.device] = own_name or socket.gethostname()
    return names


# -- syncing ------------------------------------------------------------------------------


@dataclass
class SyncReport:
    pulled_spans: int = 0
    pulled_deletions: int = 0
    pushed_spans: int = 0
    pushed_deletions: int = 0
    finished: float = field(default_factory=time.time)


@dataclass
class SyncStatus:
    enabled: bool = False
    last_success: float | None = None
    last_error: str | None = None
    next_attempt: float | None = None
    failures: int = 0
    last_report: SyncReport | None = None


def backoff(failures: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP,
            rng: Callable[[float, float], float] = random.uniform) -> float:
    """Seconds before retry number `failures` (1, 2, ...): doubling, capped, with ±50% jitter."""
    return min(cap, base * 2 ** max(0, failures - 1)) * rng(0.5, 1.5)


class Syncer:
    """Syncs `store` with the server at `url`; `sync_once` from any thread, or `start` a
    background thread syncing every `interval` seconds (and soon after `trigger()`)."""

    def __init__(self, store: Store, url: str, *, key: str | None = None,
                 home: Path | None = None, device_name: str | None = None,
                 interval: float = 300.0, batch: int = BATCH,
                 progress: Progress | None = None,
                 on_status: Callable[[SyncStatus], None] | None = None,
                 git_emails: Collection[str] = ()) -> None:
        self.store = store
        self.git_emails = git_emails  # also the user's, in every repository (commit_sync)
        self.url = url.rstrip("/")
        self.home = home
        self._key = key
        self.device_name = device_name or socket.gethostname()
        self.interval = interval
        self.batch = batch
        self.progress = progress
        self.on_status = on_status
        self.status = SyncStatus()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one pass ------------------------------------------------------------------------

    def key(self) -> str:
        key = self._key or (load_key(self.home, self.url) if self.home else None)
        if not key:
            raise SyncError("no sync key: set one in Settings > Sync", transient=False)
        return key

    def test_connection(self) -> str:
        return test_connection(self.url, self.key())

    def _cursors(self) -> dict[str, str]:
        values = {k: self.store.meta(k) or "" for k in _CURSORS}
        if values["sync_url"] != self.url:  # another server: start over (idempotent anyway)
            values = {"sync_url": self.url, "sync_pull": "0", "sync_push_updated": "0",
                      "sync_push_id": "", "sync_push_deleted": "0"}
            self.store.set_meta(values)
        return values

    def pending(self) -> int:
        """This device's spans and deletions not uploaded yet."""
        me = self.store.device
        same = self.store.meta("sync_url") == self.url
        spans_after = float(self.store.meta("sync_push_updated") or 0) if same else 0.0
        deleted_after = float(self.store.meta("sync_push_deleted") or 0) if same else 0.0
        return (self.store.count_changed(spans_after, me)
                + len(self.store.deletions_since(deleted_after, me)))

    def sync_once(self) -> SyncReport:
        """Download what the other devices did, then upload this device's changes."""
        with self._lock:
            client = Client(self.url, self.key())
            devices = client.hello().get("devices")
            if isinstance(devices, dict):
                self.store.set_meta({DEVICES_META: json.dumps(devices)})
            report = SyncReport()
            cursors = self._cursors()
            self._pull(client, int(cursors["sync_pull"] or 0), report)
            self._push(client, cursors, report)
            self._push_achievements(client)
            push_commits(self.store, client, self.git_emails)
            report_held(self.store, client, self.git_emails)
            report.finished = time.time()
            return report

    def _pull(self, client: Client, cursor: int, report: SyncReport) -> None:
        me = self.store.device
        while True:
            page = client.pull(cursor, PULL_LIMIT)
            spans: list[Span] = []
            changes = page.get("changes", [])
            # Ours (this device's, or edited here): kept unless the server's is newer.
            ours = self.store.versions_here([c["span"]["uuid"] for c in changes if "span" in c])
            for change in changes:
                if "span" in change:
                    data = change["span"]
                    if data["uuid"] not in ours or float(data["updated"]) > ours[data["uuid"]]:
                        spans.append(Span(**{k: data[k] for k in _SPAN_FIELDS if k in data}))
                elif "deletion" in change:
                    d = change["deletion"]
                    if d["device"] != me:
                        self.store.delete_range(d["start"], d["end"], uuid=d["uuid"],
                                                device=d["device"])
                        report.pulled_deletions += 1
            if spans:
                self.store.upsert_spans(spans, pulled=True)
                report.pulled_spans += len(spans)
            cursor = int(page.get("cursor", cursor))
            self.store.set_meta({"sync_pull": str(cursor)})
            if self.progress:
                self.progress("pull", report.pulled_spans + report.pulled_deletions, 0)
            if not page.get("more"):
                return

    def _push(self, client: Client, cursors: dict[str, str], report: SyncReport) -> None:
        me = self.store.device
        deleted_after = float(cursors["sync_push_deleted"] or 0)
        deletions = self.store.deletions_since(deleted_after, me)
        position = (float(cursors["sync_push_updated"] or 0), _last_pushed(cursors["sync_push_id"]))
        total = self.store.count_changed(position[0], me) + len(deletions)
        done = 0
        while True:
            rows = self.store.changed_spans(position, me, self.batch)
            part, deletions = deletions[:self.batch], deletions[self.batch:]
            if not rows and not part:
                return
            client.push({"device": me, "device_name": self.device_name, "os": system_os(),
                         "spans": [{**{k: getattr(s, k) for k in _SPAN_FIELDS},
                                    "updated": upd} for s, upd in rows],
                         "deletions": part})
            meta: dict[str, str] = {}
            if rows:
                position = (rows[-1][1], rows[-1][0].uuid)
                meta.update(sync_push_updated=repr(position[0]),
                            sync_push_id=json.dumps(position[1]))
            if part:
                meta["sync_push_deleted"] = repr(max(float(d["created"]) for d in part))
            self.store.set_meta(meta)
            report.pushed_spans += len(rows)
            report.pushed_deletions += len(part)
            done += len(rows) + len(part)
            if self.progress:
                self.progress("push", done, max(total, done))

    def _push_achievements(self, client: Client) -> None:
        """The achievements earned, sent again only when the list changed (the server keeps
        them per key: idempotent); a server without the endpoint (older) is left alone."""
        items = achievement_wire(self.store)
        digest = sha256(f"{self.url}\n{json.dumps(items)}".encode()).hexdigest()
        if not items or self.store.meta(ACHIEVEMENTS_META) == digest:
            return
        try:
            client.request("PUT", "/api/v1/users/current/achievements", {"achievements": items})
        except SyncError as exc:
            if exc.transient or "answered 404" not in str(exc):
                raise
            return
        self.store.set_meta({ACHIEVEMENTS_META: digest})

    # -- in the background -------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self.status.enabled = True
        self._thread = threading.Thread(target=self._run, name="timeforged-sync", daemon=True)
        self._thread.start()

    def trigger(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=35)
            self._thread = None
        self.status.enabled = False

    def _run(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            self._wake.wait(delay)
            self._wake.clear()
            if self._stop.is_set():
                return
            delay = self.run_once()

    def run_once(self) -> float:
        """One attempt with status bookkeeping; returns the seconds until the next one."""
        status = self.status
        try:
            status.last_report = self.sync_once()
        except SyncError as exc:
            status.failures += 1
            status.last_error = str(exc)
            delay = backoff(status.failures)
            if exc.retry_after:
                delay = max(delay, exc.retry_after)
            if not exc.transient:
                delay = max(delay, self.interval)
            log.warning("sync failed (%s); retrying in %.0f s", exc, delay)
        except Exception as exc:  # the store busy, say: retried like a network error
            status.failures += 1
            status.last_error = f"{type(exc).__name__}: {exc}"
            delay = backoff(status.failures)
            log.exception("sync failed")
        else:
            status.failures, status.last_error = 0, None
            status.last_success = time.time()
            delay = self.interval
        status.next_attempt = time.time() + delay
        if self.on_status:
            self.on_status(status)
        return delay
