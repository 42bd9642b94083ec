"""Which commits each desktop still has, so that history rewritten there (amend, rebase,
squash, a deleted branch) leaves the server too.

A desktop reports, per repository, every commit hash it holds (`POST
/api/sync/v1/commits/held`, when that set changed). The report replaces what the server knew
of that (device, repository); then each commit of the project that no repository of any device
holds any more is deleted. A commit held elsewhere (a laptop that has not fetched the rebase
yet) stays until that device reports too. Reporting the same set again changes nothing. The
answer names the hashes reported that the server does not have (pushed before an earlier
report of another device deleted them, or never pushed): the desktop pushes them again."""

import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request

from server.auth import Caller
from server.db import Database
from server.errors import BAD_INPUT
from server.history import History
from server.models import User

MAX_HELD = 150_000  # hashes in one report (about 6.5 MB of JSON, within the body limit)
_HASH = re.compile(r"[0-9a-f]{4,64}")
_ID = re.compile(r"[\w.:-]{1,64}")


def parse(body: Any) -> tuple[str, str, str, set[str]]:
    """(device, repository, project, hashes) of a report, or ValueError naming the field."""
    if not isinstance(body, dict):
        raise ValueError("body: an object")
    device, repository = body.get("device"), body.get("repository")
    for name, value in (("device", device), ("repository", repository)):
        if not isinstance(value, str) or not _ID.fullmatch(value):
            raise ValueError(f"{name}: 1 to 64 letters, digits, '.', ':', '_' or '-'")
    project = body.get("project")
    if not isinstance(project, str) or not 0 < len(project) <= 4096:
        raise ValueError("project: a string of 1 to 4096 characters")
    hashes = body.get("hashes")
    if not isinstance(hashes, list) or len(hashes) > MAX_HELD:
        raise ValueError(f"hashes: a list of at most {MAX_HELD} commit hashes")
    for i, value in enumerate(hashes):
        if not isinstance(value, str) or not _HASH.fullmatch(value):
            raise ValueError(f"hashes[{i}]: a commit hash (lowercase hex)")
    return device, repository, project, set(hashes)


def replace_held(db: Database, user: User, device: str, repository: str, project: str,
                 hashes: set[str]) -> tuple[int, list[str]]:
    """Record the repository's commits; delete the project's commits no repository holds.
    Returns (commits deleted, reported hashes the server has no commit for)."""
    where = '"user" = %s AND device = %s AND repository = %s'
    mine = (user.id, device, repository)
    with db.user_lock(user.id):
        before = db.execute(f"SELECT project, hash FROM user_commit_holder WHERE {where}",
                            mine).fetchall()
        projects = {project} | {p for p, _ in before}
        if {(project, h) for h in hashes} != set(before):
            db.execute(f"DELETE FROM user_commit_holder WHERE {where}", mine)
            db.many('INSERT INTO user_commit_holder ("user", device, repository, project, '
                    "hash) VALUES %s", [(*mine, project, h) for h in sorted(hashes)])
        dropped = 0
        for name in sorted(projects):
            dropped += db.execute(
                'DELETE FROM user_commit WHERE "user" = %s AND project = %s AND NOT EXISTS '
                '(SELECT 1 FROM user_commit_holder h WHERE h."user" = user_commit."user" '
                "AND h.project = user_commit.project AND h.hash = user_commit.hash)",
                (user.id, name)).rowcount
        have = {h for (h,) in db.execute('SELECT hash FROM user_commit WHERE "user" = %s AND '
                                         "project = %s", (user.id, project)).fetchall()}
    return dropped, sorted(hashes - have)


def held_routes(db: Database, history: History,
                caller: Callable[[Request], Awaitable[Caller]]) -> APIRouter:
    router = APIRouter(tags=["sync"])

    @router.post("/api/sync/v1/commits/held", responses=BAD_INPUT)
    def held(body: Annotated[dict[str, Any], Body()],
             who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
        """Every commit hash one repository of a device holds now: {device, repository (the
        device's id for it), project, hashes}; the project's commits no repository holds any
        more are deleted. Answers {"dropped": n, "missing": [hashes to push again]}."""
        try:
            device, repository, project, hashes = parse(body)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        try:
            history.claim_device(who.user, device)
        except PermissionError as exc:
            raise HTTPException(403, str(exc)) from None
        dropped, missing = replace_held(db, who.user, device, repository, project, hashes)
        return {"dropped": dropped, "missing": missing}

    return router
