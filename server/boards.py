"""Leaderboards as a scheduled job computes them into the `board` table, and as requests read
them back (one primary-key read, no aggregation). Who is on a board is opt-in: the user's
`leaderboard` setting for the global board, their membership's `on_board` for a team's. A
user not on a board is neither shown nor counted: ranks run 1..n over those shown, and a
team's totals are its shown members' (a hidden member's time could be read from them)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from server.history import History, zone
from server.models import User
from server.reports import Reports
from server.team_models import Board, Member, Team

GLOBAL = "global"


def team_key(team_id: int) -> str:
    return f"team:{team_id}"


def _week(reports: Reports, user: User) -> tuple[float, dict[str, float]]:
    """The user's last 7 days (their time zone): total seconds, and per language."""
    today = datetime.now(zone(user)).date()
    report = reports.report(user, today - timedelta(days=6), today)
    return report.total, {lang: secs for lang, secs in reports.by(report, "language")
                          if lang != "unknown"}


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows.sort(key=lambda r: (-r["total_seconds"], r["user"]))
    return [{**row, "rank": rank} for rank, row in enumerate(rows, 1)]


def _board(entries: list[tuple[str, float, dict[str, float]]]) -> dict[str, Any]:
    """Overall and per-language rows of (display name, total, per language)."""
    overall = [{"user": n, "total_seconds": round(t, 1)} for n, t, _ in entries if t > 0]
    languages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name, _, langs in entries:
        for lang, secs in langs.items():
            languages[lang].append({"user": name, "total_seconds": round(secs, 1)})
    return {"week": "last 7 days", "members": len(overall),
            "total_seconds": round(sum(r["total_seconds"] for r in overall), 1),
            "overall": _ranked(overall),
            "languages": {k: _ranked(v) for k, v in sorted(languages.items())}}


def refresh(history: History, reports: Reports) -> int:
    """Recompute every board (the global one and each team's) into `board`; returns how many."""
    now = time.time()
    global_users = {u.id: u for u in User.select().where(User.leaderboard != "hidden")}
    shown = defaultdict(list)
    for m in Member.select().where(Member.on_board == True):  # noqa: E712
        shown[m.team].append(m.user)
    wanted = set(global_users) | {u for users in shown.values() for u in users}
    users = {u.id: u for u in User.select().where(User.id.in_(list(wanted)))} if wanted else {}
    weeks = {uid: _week(reports, user) for uid, user in users.items()}
    boards = {GLOBAL: _board([
        (u.name if u.leaderboard == "public" else f"anonymous #{u.id}", *weeks[u.id])
        for u in global_users.values()])}
    for team in Team.select(Team.id):
        boards[team_key(team.id)] = _board([(users[uid].name, *weeks[uid])
                                            for uid in shown.get(team.id, [])])
    with history.db.db.atomic():
        Board.delete().where(Board.key.not_in(list(boards))).execute()
        for key, body in boards.items():
            Board.insert(key=key, computed=now, data=json.dumps(body)).on_conflict(
                conflict_target=[Board.key], preserve=[Board.computed, Board.data]).execute()
    return len(boards)


def stored(key: str) -> dict[str, Any]:
    """A board as last computed, every language (empty, `computed` null, before the job first
    ran)."""
    row = Board.get_or_none(Board.key == key)
    return {**json.loads(row.data), "computed": row.computed} if row else \
        {**_board([]), "computed": None}


def read(key: str, language: str | None) -> dict[str, Any]:
    """A board as last computed, overall or one language."""
    body = stored(key)
    rows = body["languages"].get(language, []) if language else body["overall"]
    return {"week": body["week"], "computed": body["computed"], "language": language,
            "members": body["members"], "total_seconds": body["total_seconds"],
            "languages": list(body["languages"]), "data": rows}
