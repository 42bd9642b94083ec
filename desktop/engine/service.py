"""The running engine: polls the watchers on its own thread and records what they see.

Used by `timeforged track` (headless) and by the tray app, which only subscribes to it.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from desktop.engine import paths
from desktop.engine.analytics import Analytics
from desktop.engine.commit_refresh import CommitReader
from desktop.engine.commits import Commits
from desktop.engine.config import Config, load_config, save_config
from desktop.engine.digest_refresh import DigestWarmer
from desktop.engine.formatting import format_duration
from desktop.engine.habits import close_habits, create_habits, feed_habits
from desktop.engine.settings import load_settings
from desktop.engine.span import Span
from desktop.engine.store import SpanWriter, Store, StoreError
from desktop.engine.store.beats import KEEP as KEEP_HEARTBEATS
from desktop.engine.store.care import backup_due, quick_check, set_aside_and_restore
from desktop.engine.sync import Syncer, SyncError, SyncStatus, device_names
from desktop.engine.timeline import covered
from desktop.engine.tracker import Tracker
from desktop.engine.upstream import desktop_forwarder
from desktop.engine.work_time import WorkTime
from watchers.observation import Observation

log = logging.getLogger(__name__)

# How often today's total is re-read from the store (it only changes on flush).
TOTAL_REFRESH_SECONDS = 10.0

Listener = Callable[[str, Any], None]


class ObservationSource(Protocol):
    def poll(self) -> Observation: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class EngineStatus:
    state: str  # "tracking" | "idle" | "paused" | "stopped"
    current: Span | None = None
    today_seconds: float = 0.0
    paused_until: float | None = None
    idle_seconds: float | None = None
    warnings: tuple[str, ...] = ()
    store_error: str | None = None
    time: float = field(default_factory=time.time)
    focus_active: bool = False  # a focus session runs (engine.focus)
    break_due: bool = False  # a break is on screen (engine.breaks)


@dataclass(frozen=True)
class ApiState:
    """The local API as the user needs to know it: listening, or why not and what to do."""

    listening: bool
    summary: str  # one short line (the tray menu)
    advice: str = ""  # what to do about it


@dataclass(frozen=True)
class Unsaved:
    """What the engine could not save when it stopped: nothing, normally."""

    spans: int = 0
    seconds: float = 0.0
    start: float | None = None
    end: float | None = None
    reason: str | None = None

    @classmethod
    def of(cls, spans: list[Span], reason: str | None) -> Unsaved:
        if not spans:
            return cls()
        return cls(len(spans), covered((s.start, s.end) for s in spans),
                   min(s.start for s in spans), max(s.end for s in spans), reason)

    def describe(self) -> str:
        if not self.spans:
            return (f"Stopped; nothing was tracked, so nothing is lost, but: {self.reason}"
                    if self.reason else "Stopped; everything is saved.")
        assert self.start is not None and self.end is not None
        when = "%Y-%m-%d %H:%M:%S"
        return (f"Stopped; NOT saved: {self.spans} spans ({format_duration(self.seconds)}, "
                f"{datetime.fromtimestamp(self.start):{when}} to "
                f"{datetime.fromtimestamp(self.end):{when}}). {self.reason or ''}").strip()


class Engine:
    """Store, writer, tracker, rules and config, with the watcher poller on a worker thread."""

    def __init__(self, home: Path | None = None, config: Config | None = None, *,
                 poller: ObservationSource | None = None) -> None:
        self.home = home or paths.home()
        loaded, self.rules, self.warnings = load_settings(self.home)
        self.config = config = config or loaded
        self._detached_from: Path | None = None  # the file we could not open, if any
        self.store = self._open_store()
        self.writer = SpanWriter(self.store, flush_interval=config.tracking.flush_interval)
        self.tracker = Tracker(
            self.store.device, self.writer.put,
            idle_timeout=config.tracking.idle_timeout,
            poll_interval=config.tracking.poll_interval,
            sleep_gap=config.tracking.sleep_gap,
            redactor=self.rules.redact,
        )
        self.analytics = Analytics(self.store, self.rules, config.zone())
        self._poller = poller
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._paused_until: float | None = None
        self._paused = False
        self._was_idle = False
        self._idle_since: float | None = None
        self._status = EngineStatus("stopped", warnings=tuple(self.warnings))
        self._today_seconds = 0.0
        self._today_read_at = 0.0
        self.api: Any = None  # the local HTTP API while running (desktop.engine.api)
        self.api_error: OSError | None = None  # why it could not listen, if it could not
        # Focus mode and break reminders (desktop.engine.habits), fed after every poll.
        self.focus, self.breaks = create_habits(self, self._emit)
        self.work_time = WorkTime(self.warnings)  # working hours; calls hold breaks
        # Sync with a self-hosted server: built always (Settings tests the connection),
        # started only when enabled in the config.
        self.sync = self._new_syncer()
        # Forwarding each heartbeat to an upstream WakaTime-compatible server, if configured.
        self.upstream = desktop_forwarder(self.store, self.home, config.upstream.url)
        self.commit_reader = CommitReader(Commits(self.store, self.analytics, config.git.emails),
                                          on_change=lambda: self._emit("commits", None))
        self.digest_warmer = DigestWarmer(self.analytics)  # insights' day digests, stored

    # -- control -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._start_api()
        if self.config.sync.enabled and self.config.sync.url:
            self.sync.start()
        if self.upstream is not None:
            self.upstream.start()
        self._thread = threading.Thread(target=self._run, name="timeforged-engine", daemon=True)
        self._thread.start()
        self.commit_reader.start()
        self.digest_warmer.start()
        threading.Thread(target=self._maintain, name="timeforged-backup", daemon=True).start()

    def _new_syncer(self) -> Syncer:
        sync = self.config.sync
        return Syncer(self.store, sync.url or "", home=self.home,
                      device_name=self.config.device_name, interval=sync.interval_minutes * 60,
                      on_status=lambda status: self._emit("sync", status),
                      git_emails=self.config.git.emails)

    def apply_sync(self) -> None:
        """Follow `config.sync` after Settings changed it: a syncer for the (new) server,
        running only while sync is enabled."""
        self.sync.stop()
        self.sync = self._new_syncer()
        if self.config.sync.enabled and self.config.sync.url:
            self.sync.start()

    def sync_now(self) -> SyncStatus:
        """One sync attempt at once, on the caller's thread; its outcome is in the status."""
        if not (self.config.sync.enabled and self.config.sync.url):
            raise SyncError("sync is off: turn on \"Sync this device\" and save first",
                            transient=False)
        self.sync.run_once()
        return self.sync.status

    def device_names(self) -> dict[str, str]:
        """Each device in the history -> a name (this device's is the configured one)."""
        return device_names(self.store, self.config.device_name)

    def stop(self) -> Unsaved:
        """End the open span, flush everything and release the watchers; says what could not
        be saved."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.api is not None:
            self.api.stop()
            self.api = None
        self.sync.stop()
        if self.upstream is not None:
            self.upstream.stop()
        self.commit_reader.stop()
        self.digest_warmer.stop()
        self.tracker.close(time.time())
        self.writer.close()
        unsaved = Unsaved.of(self.writer.unsaved(), self.writer.last_error)
        if self._detached_from is not None:
            unsaved = self._save_detached()
        close_habits(self.focus)
        self._set_status(EngineStatus("stopped", today_seconds=self._today_seconds))
        if unsaved.spans:
            log.error("%s", unsaved.describe())
        return unsaved

    def _open_store(self) -> Store:
        """The database; a corrupt one is set aside (a healthy backup restored), and one that
        cannot be opened at all leaves tracking in memory, saved on stop if it can be then."""
        path = paths.database_file(self.home)
        try:
            return Store(path)
        except StoreError as exc:
            if exc.kind == "corrupt":
                self.warnings.append(set_aside_and_restore(path))
                return Store(path)
            self.warnings.append(f"{exc} Tracking is kept in memory meanwhile.")
            self._detached_from = path
            return Store(":memory:", refuse_heartbeats=str(exc))

    def _save_detached(self) -> Unsaved:
        """Write what was tracked in memory to the database that could not be opened at
        start, if it can be now."""
        kept = self.store.spans(float("-inf"), float("inf"))
        if not kept:
            return Unsaved(reason=self.store_problem())
        try:
            target = Store(self._detached_from, device=self.store.device, timeout=15)
            try:
                target.upsert_spans(kept)
            finally:
                target.close()
        except StoreError as exc:
            return Unsaved.of(kept, str(exc))
        return Unsaved()

    def _maintain(self) -> None:
        """Once a day: a quick check of the file, then a backup if it is healthy, and
        heartbeats too old to matter forgotten."""
        path = paths.database_file(self.home)
        if self._detached_from is not None or not backup_due(path):
            return
        if not quick_check(path):
            message = (f"The database {path} failed its integrity check; backups are kept "
                       f"as they are. Export your data and restore a backup from "
                       f"{paths.backups_dir(self.home)}.")
            self.warnings.append(message)
            self._emit("error", message)
            return
        try:
            self.store.backup()
            self.store.prune_heartbeats(time.time() - KEEP_HEARTBEATS)
        except (StoreError, OSError) as exc:
            log.warning("backup failed: %s", exc)

    def pause(self, until: float | None = None) -> None:
        """Stop recording until `until` (epoch seconds) or until resume()."""
        with self._lock:
            self._paused, self._paused_until = True, until
        self.tracker.close(time.time())
        self._emit("paused", until)

    def resume(self) -> None:
        with self._lock:
            self._paused, self._paused_until = False, None
        self._emit("resumed", None)

    def subscribe(self, callback: Listener) -> None:
        """`callback(kind, payload)` is called from the engine thread; keep it quick."""
        self._listeners.append(callback)

    def status(self) -> EngineStatus:
        return self._status

    def store_problem(self) -> str | None:
        """Why tracking is not being saved right now (the database cannot be opened or
        written: disk full, read-only...), or None."""
        if self._detached_from is not None:
            return (f"Cannot save: {self._detached_from} could not be opened; tracking is "
                    f"kept in memory until it can be.")
        error = self.store.write_error
        return str(error) if error is not None else self.writer.last_error

    def _start_api(self) -> None:
        """Serve the local API (editors' heartbeats, the browser extension, the CLI)."""
        if not self.config.api.enabled or self.api is not None:
            return
        from desktop.engine.api.server import ApiServer

        try:
            self.api = ApiServer(self, port=self.config.api.port, home=self.home,
                                 heartbeat_timeout=self.config.imports.wakatime_timeout_minutes
                                 * 60)
        except OSError as exc:
            self.api_error = exc
            self.warnings.append(f"local API: cannot listen on 127.0.0.1:{self.config.api.port} "
                                 f"({exc}); editor plugins and the browser extension cannot "
                                 f"report")
            return
        self.api_error = None
        self.api.start()

    def move_api(self, port: int = 0) -> ApiState:
        """Serve the local API on `port` (0: a free one the system picks) and save that port
        as api.port in config.toml (nothing else in the file changes). ConfigError, before
        anything moves, when config.toml cannot be read."""
        path = paths.config_file(self.home)
        on_disk = load_config(path, env={})
        before = self.config.api
        if self.api is not None:
            self.api.stop()
            self.api = None
        self.config = self.config.replace(api=self.config.api.replace(port=port, enabled=True))
        self._start_api()
        if self.api is not None:
            api = on_disk.api.replace(port=self.api.port, enabled=True)
            self.config = self.config.replace(api=api)
            save_config(on_disk.replace(api=api), path)
        else:
            self.config = self.config.replace(api=before)  # its state says why
        return self.api_state()

    def api_state(self) -> ApiState:
        """Whether the local API listens, and if not why and what to do (tray, Settings)."""
        port = self.config.api.port
        if self.api is not None:
            return ApiState(True, f"Local API listening on 127.0.0.1:{self.api.port}")
        retry = "restart TimeForged and run `timeforged setup-editors`"
        if not self.config.api.enabled:
            return ApiState(False, "Editors cannot report: the local API is off",
                            f"Set api.enabled = true in config.toml and {retry}.")
        error = self.api_error
        if error is None:
            return ApiState(False, "Local API not started yet")
        if error.errno == errno.EADDRINUSE:
            return ApiState(False, f"Editors cannot report: port {port} is used by another "
                            "program", f"Editor plugins and the browser extension cannot reach "
                            f"TimeForged. Close the program holding 127.0.0.1:{port}, or move "
                            "TimeForged to a free port (Settings → Editors does it all; or set "
                            f"another api.port in config.toml, {retry}).")
        return ApiState(False, f"Editors cannot report: 127.0.0.1:{port} refused "
                        f"({error.strerror or error})",
                        f"Set another api.port in config.toml, {retry}.")

    # -- the loop ------------------------------------------------------------------

    def _run(self) -> None:
        if self._poller is None:
            from watchers.poller import Poller

            self._poller = Poller()
        interval = self.config.tracking.poll_interval
        next_at = time.monotonic()
        try:
            while not self._stop.is_set():
                self.step()
                next_at += interval
                delay = next_at - time.monotonic()
                if delay < 0:  # fell behind (suspend, a slow poll): do not catch up in a burst
                    next_at, delay = time.monotonic(), 0
                self._stop.wait(delay)
        finally:
            self._poller.close()

    def step(self) -> EngineStatus:
        """One poll: observe, record, publish the status. Never raises."""
        try:
            self.work_time.apply_rules(self.config, self._poller)
            obs = self._poller.poll() if self._poller else None
        except Exception as exc:  # a watcher must never take the engine down
            log.exception("poll failed")
            self._emit("error", f"watchers: {exc}")
            obs = None
        now = obs.time if obs else time.time()
        with self._lock:
            if self._paused and self._paused_until is not None and now >= self._paused_until:
                self._paused, self._paused_until = False, None
                self._emit("resumed", None)
            paused = self._paused
        zone = self.config.zone()
        if obs is not None and not paused:
            if self.work_time.tracks(self.config, now, zone):
                self.tracker.observe(obs)
            else:
                self.tracker.close(now)
        idle = (obs is not None and obs.idle_seconds is not None
                and obs.idle_seconds >= self.config.tracking.idle_timeout
                and not (obs.audible or obs.active_reason))
        self._note_idle(idle, now, obs)
        feed_habits(self.focus, self.breaks, obs, now,
                    self.work_time.hold(self.config, obs, now, zone))
        state = "paused" if paused else "idle" if idle else "tracking"
        status = EngineStatus(
            state, current=None if paused else self.tracker.current,
            today_seconds=self._today_total(now), paused_until=self._paused_until,
            idle_seconds=obs.idle_seconds if obs else None,
            warnings=tuple(self.warnings) + (obs.warnings if obs else ()),
            store_error=self.store_problem(), time=now,
            focus_active=self.focus.session is not None,
            break_due=self.breaks.status(now).state == "break",
        )
        self._set_status(status)
        return status

    def _note_idle(self, idle: bool, now: float, obs: Observation | None) -> None:
        if idle and not self._was_idle:
            self._idle_since = now - (obs.idle_seconds or 0) if obs else now
        elif not idle and self._was_idle and self._idle_since is not None:
            self._emit("resumed_after_idle", now - self._idle_since)
        self._was_idle = idle

    def _today_total(self, now: float) -> float:
        if now - self._today_read_at >= TOTAL_REFRESH_SECONDS:
            tz = self.config.zone()
            start = datetime.fromtimestamp(now, tz).replace(hour=0, minute=0, second=0,
                                                           microsecond=0)
            try:
                summary = self.analytics.summary(start, start + timedelta(days=1), by="category")
                self._today_seconds = summary.total_seconds
            except Exception as exc:  # a locked database must not stop tracking
                log.warning("today's total unavailable: %s", exc)
            self._today_read_at = now
        return self._today_seconds

    def _set_status(self, status: EngineStatus) -> None:
        self._status = status
        self._emit("status", status)

    def _emit(self, kind: str, payload: Any) -> None:
        for callback in list(self._listeners):
            try:
                callback(kind, payload)
            except Exception:
                log.exception("engine listener failed on %s", kind)
