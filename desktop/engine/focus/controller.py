"""The focus controller the engine holds as `engine.focus`: starts and stops sessions, keeps
the hosts block in place, runs schedules, enforces through the window watcher, records stats.

Thread-safe: the engine thread calls `observe`/`tick` after each poll; the tray and the local
API call `start`, `stop` and `status`. Hosts changes may wait on a password prompt, so they run
on a worker thread of their own. Events go to `emit(kind, payload)`: "focus_started",
"focus_phase", "focus_ended" (completed), "focus_abandoned" (ended early), "focus_blocked",
"focus_hosts".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path
from typing import Any, Protocol

from desktop.engine.focus.blocklist import Blocklist
from desktop.engine.focus.enforcement import BlockedAttempt, Enforcer, Minimizer
from desktop.engine.focus.helper import HelperFailed, run_elevated
from desktop.engine.focus.hosts import HostsError, HostsFile, expand, system_hosts_path
from desktop.engine.focus.session import (
    FocusError,
    FocusPlan,
    FocusSession,
    Schedule,
)
from desktop.engine.focus.stats import FocusStats
from desktop.engine.span import Classifier
from watchers.observation import Observation

log = logging.getLogger(__name__)

Emit = Callable[[str, Any], None]


class HostsLayer(Protocol):
    def apply(self, domains: Iterable[str], until: int) -> bool: ...

    def clear(self) -> bool: ...

    def clear_expired(self, now: float) -> bool: ...

    def needs_reapply(self, domains: Iterable[str], until: int) -> bool: ...


class ElevatedHosts:
    """The system hosts file: read directly, changed through the privileged helper (one
    password prompt; polkit keeps the authorization for a few minutes)."""

    def __init__(self, path: Path | None = None) -> None:
        self.file = HostsFile(path or system_hosts_path())

    def apply(self, domains: Iterable[str], until: int) -> bool:
        names = expand(domains)
        if not self.file.needs_reapply(names, until):
            return False
        run_elevated(["apply", "--hosts", str(self.file.path), "--until", str(int(until)),
                      "--domains", *names])
        return True

    def clear(self) -> bool:
        if self.file.block() is None:
            return False
        run_elevated(["clear", "--hosts", str(self.file.path)])
        return True

    def clear_expired(self, now: float) -> bool:
        block = self.file.block()
        if block is None or not block.expired(now):
            return False
        run_elevated(["clear-expired", "--hosts", str(self.file.path)])
        return True

    def needs_reapply(self, domains: Iterable[str], until: int) -> bool:
        return self.file.needs_reapply(domains, until)


class FocusController:
    def __init__(self, rules: Classifier | None = None, *, hosts: HostsLayer | None = None,
                 stats: FocusStats | None = None, emit: Emit | None = None,
                 clock: Callable[[], float] = time.time, zone: tzinfo | None = None,
                 schedules: Sequence[Schedule] = (), minimize: bool = False,
                 minimizer: Minimizer | None = None, reapply_every: float = 30.0,
                 default_plan: FocusPlan | None = None) -> None:
        self.rules = rules
        self.default_plan = default_plan or FocusPlan()
        self.hosts = hosts
        self.stats = stats
        self.schedules = list(schedules)
        self.reapply_every = reapply_every
        self._emit = emit if emit is not None else (lambda kind, payload: None)
        self._clock = clock
        self._zone = zone
        self._lock = threading.RLock()
        self._enforcer = Enforcer(rules, minimize=minimize, minimizer=minimizer)
        self._session: FocusSession | None = None
        self._blocklist: Blocklist | None = None
        self._domains: list[str] = []
        self._phase: str | None = None
        self._checked_hosts_at = 0.0
        self._schedules_done: set[tuple[int, float]] = set()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="timeforged-hosts")
        self._jobs: list[Future] = []
        self.last_attempt: BlockedAttempt | None = None
        self.held: str | None = None  # why blocking waits now (observe's hold)
        self.hosts_error: str | None = None

    # -- asked by the user -------------------------------------------------------------

    def start(self, plan: FocusPlan | float, now: float | None = None, *,
              origin: str = "manual", ends_at: float | None = None) -> FocusSession:
        """Start `plan`, or `default_plan` lasting that many seconds (the tray's 25/50/90)."""
        if not isinstance(plan, FocusPlan):
            plan = replace(self.default_plan, minutes=float(plan) / 60)
        with self._lock:
            now = self._clock() if now is None else now
            if self._session is not None:
                raise FocusError("a focus session is already running")
            session = FocusSession.begin(plan, now, origin, ends_at)
            self._begin(session)
            self._emit("focus_started", session.to_json(now))
            return session

    def stop(self, now: float | None = None, unlock_text: str | None = None) -> FocusSession:
        """End the running session early (abandoned). A locked one refuses (FocusLocked)
        unless its unlock text is typed exactly."""
        with self._lock:
            now = self._clock() if now is None else now
            session = self._session
            if session is None:
                raise FocusError("no focus session is running")
            session.may_stop(unlock_text)
            self._finish("abandoned", now)
            return session

    def status(self, now: float | None = None) -> dict[str, Any]:
        with self._lock:
            now = self._clock() if now is None else now
            session = self._session
            return {
                "running": session is not None,
                "session": session.to_json(now) if session else None,
                "blocked_domains": list(self._domains),
                "hosts_error": self.hosts_error,
                "last_attempt": self.last_attempt.to_json() if self.last_attempt else None,
                "schedules": [s.text for s in self.schedules],
            }

    def preview(self, plan: FocusPlan) -> list[str]:
        """The sites `plan` would block in the hosts file, before it starts (the UI shows them)."""
        return Blocklist.from_plan(plan).hosts_domains(self.rules)

    @property
    def session(self) -> FocusSession | None:
        return self._session

    # -- fed by the engine -------------------------------------------------------------

    def recover(self, now: float | None = None) -> None:
        """On start: a session left running by a crash resumes if its time is not over
        (its block re-applied), else it is closed as completed; an expired hosts block goes."""
        now = self._clock() if now is None else now
        with self._lock:
            for session in self.stats.running_sessions() if self.stats else ():
                if session.ends_at > now and self._session is None:
                    self._begin(session, saved=True)
                    self._emit("focus_started", session.to_json(now))
                else:
                    session.outcome, session.ended_at = "completed", min(now, session.ends_at)
                    self.stats.save_session(session)  # type: ignore[union-attr]
            if self._session is None and self.hosts is not None:
                self._hosts_job(lambda h: h.clear_expired(now))

    def observe(self, obs: Observation | None, hold: str | None = None,
                ) -> BlockedAttempt | None:
        """One poll: advance the clock-driven parts, then check what is in focus. `hold`: why
        blocking waits now (a call, a screen share: "you are in a call"), told once as
        "focus_held" (and "focus_unheld" when it ends); the hosts block stays in place."""
        now = obs.time if obs is not None else self._clock()
        self.tick(now)
        with self._lock:
            if hold != self.held and self._session is not None:
                self._emit("focus_held" if hold else "focus_unheld", hold)
            self.held = hold
            if obs is None or hold or self._session is None or self._blocklist is None:
                return None
            attempt = self._enforcer.check(self._session.id, self._blocklist, obs)
            if attempt is None:
                return None
            self.last_attempt = attempt
            if self.stats is not None:
                self.stats.add_attempt(attempt.session_id, attempt.time, attempt.site,
                                       attempt.app, attempt.reason)
        self._emit("focus_blocked", attempt)
        return attempt

    def tick(self, now: float) -> None:
        with self._lock:
            session = self._session
            if session is None:
                self._run_schedules(now)
                return
            if now >= session.ends_at:
                self._finish("completed", now)
                return
            phase = session.phase_at(now)
            kind = phase.kind if phase else None
            if kind != self._phase:
                self._phase = kind
                self._emit("focus_phase", session.to_json(now))
            if self.hosts is not None and self._domains and (
                    now - self._checked_hosts_at >= self.reapply_every):
                self._checked_hosts_at = now
                domains, until = list(self._domains), int(session.ends_at)
                self._hosts_job(lambda h: h.needs_reapply(domains, until)
                                and h.apply(domains, until))

    def wait_hosts(self, timeout: float = 30.0) -> None:
        """Wait for the hosts changes asked so far (tests, shutdown)."""
        for job in list(self._jobs):
            job.result(timeout)

    def close(self) -> None:
        self._worker.shutdown(wait=True)

    # -- internals ---------------------------------------------------------------------

    def _begin(self, session: FocusSession, saved: bool = False) -> None:
        self._session = session
        self._blocklist = Blocklist.from_plan(session.plan)
        self._domains = self._blocklist.hosts_domains(self.rules)
        self._phase = None
        self._enforcer.reset()
        if self.stats is not None and not saved:
            self.stats.save_session(session)
        if self.hosts is not None and self._domains:
            domains, until = list(self._domains), int(session.ends_at)
            self._checked_hosts_at = session.started_at
            self._hosts_job(lambda h: h.apply(domains, until))

    def _finish(self, outcome: str, now: float) -> None:
        session = self._session
        assert session is not None
        session.outcome, session.ended_at = outcome, min(now, session.ends_at)
        self._session, self._blocklist, self._domains, self._phase = None, None, [], None
        if self.stats is not None:
            self.stats.save_session(session)
        if self.hosts is not None:
            self._hosts_job(lambda h: h.clear())
        self._emit("focus_ended" if outcome == "completed" else "focus_abandoned",
                   session.to_json(now))

    def _run_schedules(self, now: float) -> None:
        for index, schedule in enumerate(self.schedules):
            window = schedule.window_at(now, self._zone)
            if window is None or (index, window[0]) in self._schedules_done:
                continue
            self._schedules_done.add((index, window[0]))
            session = FocusSession.begin(schedule.plan, now, "schedule", ends_at=window[1])
            self._begin(session)
            self._emit("focus_started", session.to_json(now))
            return

    def _hosts_job(self, job: Callable[[HostsLayer], Any]) -> None:
        hosts = self.hosts
        if hosts is None:
            return

        def run() -> None:
            try:
                job(hosts)
                self.hosts_error = None
                self._emit("focus_hosts", {"ok": True})
            except (HostsError, HelperFailed, OSError) as exc:
                self.hosts_error = str(exc)
                log.warning("hosts block: %s", exc)
                self._emit("focus_hosts", {"ok": False, "error": str(exc)})

        self._jobs = [j for j in self._jobs if not j.done()]
        self._jobs.append(self._worker.submit(run))
