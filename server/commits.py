"""Commits on the server: desktops push the commits they read (`POST /api/sync/v1/commits`,
idempotent by (project, hash), so machines sharing a repository never double one), and
`GET /api/v1/users/current/commits` answers each commit with its coding time, by the engine's
rule (desktop.engine.commits: its Ledger and `assign`, fed with the server's resolved pieces
of all the user's devices)."""

import math
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from desktop.engine.api import shapes
from desktop.engine.commits import CODING, Ledger, Piece, assign, pull_of, pull_requests
from desktop.engine.gitlog import Commit
from desktop.engine.store.rollups import QUARTER
from server.auth import Caller
from server.db import Database
from server.errors import BAD_INPUT
from server.history import zone
from server.models import User
from server.reports import Reports

MAX_COMMITS = 5000
_COLUMNS = ("hash", "parents", "email", "author", "authored", "committed", "subject", "added",
            "deleted")
_TEXT = {"hash": 64, "email": 320, "author": 1024, "subject": 4096}


def parse(raw: Any, i: int) -> tuple:
    """A pushed commit as a row (project, *columns, mine), or ValueError naming the field."""
    if not isinstance(raw, dict):
        raise ValueError(f"commits[{i}]: an object")
    out: list[Any] = []
    for name in ("project", *_COLUMNS):
        value = raw.get(name)
        if name in ("project", *_TEXT):
            if not isinstance(value, str) or len(value) > _TEXT.get(name, 4096) or (
                    not value and name in ("project", "hash")):
                raise ValueError(f"commits[{i}].{name}: a string of at most "
                                 f"{_TEXT.get(name, 4096)} characters")
        elif name in ("authored", "committed"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    not math.isfinite(value) or not 0 <= value < 2**33:
                raise ValueError(f"commits[{i}].{name}: seconds since the epoch")
            value = float(value)
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
            raise ValueError(f"commits[{i}].{name}: a whole number >= 0")
        out.append(value)
    if not isinstance(raw.get("mine"), bool):
        raise ValueError(f"commits[{i}].mine: true or false")
    return (*out, raw["mine"])


def save(db: Database, user: User, rows: list[tuple]) -> int:
    """Store pushed commits; a commit already there keeps its row (`mine` once true stays
    true). Returns how many were new."""
    unique = list({(r[0], r[1]): r for r in rows}.values())
    with db.user_lock(user.id):
        before = db.execute('SELECT COUNT(*) FROM user_commit WHERE "user" = %s',
                            (user.id,)).fetchone()[0]
        db.many(f'INSERT INTO user_commit ("user", project, {", ".join(_COLUMNS)}, mine) '
                "VALUES %s ON CONFLICT (\"user\", project, hash) DO UPDATE SET mine = "
                "user_commit.mine OR excluded.mine", [(user.id, *r) for r in unique])
        after = db.execute('SELECT COUNT(*) FROM user_commit WHERE "user" = %s',
                           (user.id,)).fetchone()[0]
    return after - before


def commit_times(reports: Reports, user: User, start: float, end: float,
                 project: str | None = None) -> list[dict[str, Any]]:
    """The user's commits with a moment in [start, end) with the coding time each collected
    (the shape of `timeforged report --by commit --format json`'s items), newest first."""
    db = reports.history.db
    sql = f'SELECT project, {", ".join(_COLUMNS)}, mine FROM user_commit WHERE "user" = %s'
    args: tuple = (user.id,)
    if project is not None:
        sql, args = sql + " AND project = %s", (user.id, project)
    by_project: dict[str, tuple[list[Commit], set[str]]] = defaultdict(lambda: ([], set()))
    for name, *cols, mine in db.execute(sql + " ORDER BY authored, hash", args).fetchall():
        commit = Commit(*cols)
        by_project[name][0].append(commit)
        if mine:
            by_project[name][1].add(commit.email)
    first_day = reports.first_day(user)
    tz = zone(user)
    out = []
    for name, (commits, emails) in sorted(by_project.items()):
        last = max(c.authored for c in commits)
        first = first_day or datetime.fromtimestamp(last, tz).date()
        ledger = _ledger(reports, user, name, first,
                         datetime.fromtimestamp(last, tz).date())
        merged = pull_requests(commits)
        for commit, branch, seconds in assign(commits, emails, ledger):
            if start <= commit.authored < end:
                out.append({
                    "commit": commit.hash, "subject": commit.subject,
                    "authored": datetime.fromtimestamp(commit.authored, tz).isoformat(
                        timespec="seconds"),
                    "project": name, "branch": branch, "pull": pull_of(branch, merged),
                    "total_seconds": round(seconds, 3), "lines_added": commit.added,
                    "lines_deleted": commit.deleted})
    out.sort(key=lambda r: (r["authored"], r["commit"]), reverse=True)
    return out


def _ledger(reports: Reports, user: User, project: str, first: date, last: date) -> Ledger:
    """The engine's Ledger over the user's coding pieces in `project`, local days
    first..last (every device's, resolved as the server's rollups are)."""
    history = reports.history
    pieces: list[Piece] = []
    day = first
    while day <= last:
        raw = history.pieces(user, day)
        keys = {k for _, _, k in raw}
        if keys:
            name_of = reports.names.namer("project", keys, {})
            branch_of = reports.names.namer("branch", keys, {})
            pieces += [(a, b, branch_of(k)) for a, b, k in raw
                       if name_of(k) == project
                       and reports.names.classify(k[0]).category == CODING]
        day += timedelta(days=1)
    per_quarter: dict[tuple[int, str], float] = defaultdict(float)
    for a, b, branch in pieces:
        q = math.floor(a / QUARTER)
        while q * QUARTER < b:
            per_quarter[q, branch] += min(b, (q + 1) * QUARTER) - max(a, q * QUARTER)
            q += 1

    pieces.sort()

    def within(windows: list[tuple[float, float]]) -> list[list[Piece]]:
        return [[(max(a, lo), min(b, hi), branch) for a, b, branch in pieces
                 if a < hi and b > lo] for lo, hi in windows]
    return Ledger(dict(per_quarter), within)


def commit_routes(db: Database, reports: Reports,
                  caller: Callable[[Request], Awaitable[Caller]]) -> APIRouter:
    router = APIRouter()
    Who = Annotated[Caller, Depends(caller)]

    @router.post("/api/sync/v1/commits", tags=["sync"], responses=BAD_INPUT)
    def push_commits(body: Annotated[dict[str, Any], Body()], who: Who) -> dict[str, Any]:
        """Commits read by a desktop: {"commits": [{project, hash, parents, email, author,
        authored, committed, subject, added, deleted, mine}]}; a re-push changes nothing."""
        raw = body.get("commits")
        if not isinstance(raw, list) or len(raw) > MAX_COMMITS:
            raise HTTPException(400, f"commits: a list of at most {MAX_COMMITS} items")
        try:
            rows = [parse(item, i) for i, item in enumerate(raw)]
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        new = save(db, who.user, rows)
        return {"written": new, "unchanged": len(rows) - new}

    @router.get("/api/v1/users/current/commits", tags=["commits"], responses=BAD_INPUT)
    async def commits(who: Who, start: str | None = Query(None, max_length=64),
                      end: str | None = Query(None, max_length=64),
                      named: str | None = Query(None, alias="range", max_length=64),
                      project: str | None = Query(None, max_length=4096)) -> dict[str, Any]:
        """The user's commits in the range (local days, as summaries take them) with the coding
        time each collected since the one before."""
        user = await run_in_threadpool(User.get_by_id, who.user.id)
        tz = zone(user)
        try:
            first, last = shapes.summary_range(named, start, end, datetime.now(tz).date())
        except shapes.RangeError as exc:
            raise HTTPException(400, str(exc)) from None
        lo = shapes.midnight(first, tz).timestamp()
        hi = shapes.midnight(last + timedelta(days=1), tz).timestamp()
        items = await run_in_threadpool(commit_times, reports, user, lo, hi, project)
        return {"start": first.isoformat(), "end": last.isoformat(),
                "total_seconds": round(sum(i["total_seconds"] for i in items), 3),
                "data": items}

    return router
