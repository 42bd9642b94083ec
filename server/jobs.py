"""Scheduled jobs: rollups, the leaderboards (`server.boards`), weekly emails, forgetting old
heartbeats. Each run takes the job's lock (PostgreSQL advisory lock: one process in the cluster
runs it; SQLite: one process anyway), and per-user work is recorded in `job_run` so that a
week's email goes out once."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from desktop.engine.store import beats as beatlib
from server import boards
from server.config import ServerConfig
from server.history import History, zone
from server.models import JobRun, User
from server.reports import Reports

log = logging.getLogger("timeforged.jobs")


def leaderboard(history: History, reports: Reports, *, fresh: bool = False) -> dict[str, Any]:
    """The global board (the last 7 days of the users who opted in, overall and per language)
    as the "boards" job last stored it in the `board` table (`server.boards`): read, never
    computed, by requests. `fresh`: recompute every board first."""
    if fresh:
        boards.refresh(history, reports)
    return boards.stored(boards.GLOBAL)


class Scheduler:
    """A thread running the jobs every few seconds; the locks make it safe in every process."""

    def __init__(self, history: History, config: ServerConfig, reports: Reports) -> None:
        self.history, self.config, self.reports = history, config, reports
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: dict[str, float] = {}

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        tick = min(self.config.rollup_interval_seconds, self.config.jobs_interval_seconds)
        while not self._stop.wait(max(0.5, tick)):
            self.run_due()

    def run_due(self, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        done: dict[str, Any] = {}
        for name, every, job in (
                ("rollups", self.config.rollup_interval_seconds, self.history.refresh),
                ("boards", self.config.jobs_interval_seconds,
                 lambda: boards.refresh(self.history, self.reports)),
                ("weekly-email", self.config.jobs_interval_seconds,
                 lambda: self.weekly_emails(now)),
                ("heartbeat-prune", 86400.0,
                 lambda: self.history.prune_heartbeats(now - beatlib.KEEP))):
            if now - self._last.get(name, 0) < every:
                continue
            try:
                with self.history.db.job_lock(name) as got:
                    if got:
                        done[name] = job()
                        self._last[name] = now
            except Exception:
                log.exception("job failed", extra={"job": name})
        return done

    def weekly_emails(self, now: float) -> int:
        """Send last week's email to each opted-in user whose time (weekday and hour, their
        zone) has come; once per user and week."""
        from server.emails import send_weekly

        if not self.config.smtp.host:
            return 0
        sent = 0
        for user in User.select().where(User.weekly_email == True, User.email.is_null(False)):  # noqa: E712
            local = datetime.fromtimestamp(now, zone(user))
            if local.weekday() != self.config.weekly_email_weekday or \
                    local.hour < self.config.weekly_email_hour:
                continue
            week_end = local.date() - timedelta(days=local.weekday() + 1)  # last Sunday
            key = f"{user.id}:{week_end.isoformat()}"
            if JobRun.select().where(JobRun.job == "weekly-email", JobRun.key == key).exists():
                continue
            send_weekly(self.config.smtp, self.reports, user, week_end)
            JobRun.insert(job="weekly-email", key=key, ran=now).on_conflict_ignore().execute()
            sent += 1
        return sent
