"""Focus stats in the store's SQLite file: sessions completed and abandoned, blocked attempts
by site, and coding time inside focus sessions versus outside.

Uses its own connection to the file (WAL: it never blocks the span writer); the tables come
from the store's migration step 3 (desktop.engine.focus.models).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.engine.focus.session import FocusPlan, FocusSession, Phase
from desktop.engine.span import Classifier, Span
from desktop.engine.timeline import resolve


@dataclass
class FocusSummary:
    completed: int = 0
    abandoned: int = 0
    running: int = 0
    focus_seconds: float = 0.0
    attempts: int = 0
    attempts_by_site: dict[str, int] = field(default_factory=dict)  # site, or app without one
    coding_inside: float = 0.0
    coding_outside: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class FocusStats:
    def __init__(self, database: Path) -> None:
        self._conn = sqlite3.connect(str(database), timeout=5.0, check_same_thread=False,
                                     isolation_level=None)
        self._conn.execute("PRAGMA busy_timeout = 5000")
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def save_session(self, session: FocusSession) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO focus_session (uuid, started_at, planned_end, ended_at, outcome, "
                "origin, locked, plan) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uuid) DO "
                "UPDATE SET ended_at = excluded.ended_at, outcome = excluded.outcome",
                (session.id, session.started_at, session.ends_at, session.ended_at,
                 session.outcome, session.origin, session.plan.locked,
                 json.dumps({"plan": session.plan.to_json(),
                             "phases": [[p.kind, p.start, p.end] for p in session.phases]})))

    def add_attempt(self, session_id: str, time: float, site: str | None, app: str | None,
                    reason: str) -> None:
        with self._lock:
            self._conn.execute("INSERT INTO focus_attempt (session, time, site, app, reason) "
                               "VALUES (?, ?, ?, ?, ?)", (session_id, time, site, app, reason))

    def running_sessions(self) -> list[FocusSession]:
        """Sessions without an outcome: left running by a crash or a reboot."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT uuid, started_at, origin, plan FROM focus_session WHERE outcome IS NULL"
            ).fetchall()
        out = []
        for uuid, started_at, origin, stored in rows:
            data = json.loads(stored)
            phases = tuple(Phase(k, a, b) for k, a, b in data["phases"])
            out.append(FocusSession(FocusPlan.from_json(data["plan"]), started_at, phases,
                                    origin, id=uuid))
        return out

    def sessions_between(self, start: float, end: float) -> list[tuple[float, float, str]]:
        """(start, end, outcome) of the sessions overlapping [start, end); running ones end at
        their planned end."""
        with self._lock:
            return self._conn.execute(
                "SELECT started_at, COALESCE(ended_at, planned_end), COALESCE(outcome, "
                "'running') FROM focus_session WHERE started_at < ? AND "
                "COALESCE(ended_at, planned_end) > ? ORDER BY started_at", (end, start)).fetchall()

    def summary(self, start: float, end: float, spans: Iterable[Span] = (),
                rules: Classifier | None = None, category: str = "coding") -> FocusSummary:
        """Stats for sessions started in [start, end); with `spans` and `rules`, the time in
        `category` split into inside and outside focus sessions."""
        out = FocusSummary()
        sessions = self.sessions_between(start, end)
        for a, b, outcome in sessions:
            if start <= a < end:
                setattr(out, outcome, getattr(out, outcome) + 1)
            out.focus_seconds += max(0.0, min(b, end) - max(a, start))
        with self._lock:
            rows = self._conn.execute(
                "SELECT COALESCE(site, app, '?'), COUNT(*) FROM focus_attempt WHERE time >= ? "
                "AND time < ? GROUP BY 1 ORDER BY 2 DESC, 1", (start, end)).fetchall()
        out.attempts_by_site = dict(rows)
        out.attempts = sum(out.attempts_by_site.values())
        if rules is not None:
            windows = [(a, b) for a, b, _ in sessions]
            for piece in resolve(spans, start, end):  # overlapping sources counted once
                if rules.classify(piece.span).category != category:
                    continue
                a, b = piece.start, piece.end
                inside = sum(max(0.0, min(b, wb) - max(a, wa)) for wa, wb in windows)
                out.coding_inside += inside
                out.coding_outside += (b - a) - inside
        return out
