"""Sync's upload of commits (desktop.engine.sync calls it after the spans): the commits read
since the last upload, with whether their author is the user, to the server's
`/api/sync/v1/commits`, which keeps one of each (project, hash) however often it is sent."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from desktop.engine.gitlog import Commit
from desktop.engine.store import Store

CURSOR = "sync_push_commit:"  # meta, + the server's URL: the last git_commit rowid uploaded
BATCH = 1000


def push_commits(store: Store, client: Any, emails: Collection[str] = ()) -> int:
    """Upload the commits stored since the last upload; returns how many were sent.
    `emails`: addresses that are the user's in every repository (config's [git] emails)."""
    wanted = {e.strip().lower() for e in emails}
    key = CURSOR + client.url
    cursor = int(store.meta(key) or 0)
    sent = 0
    while rows := store.commits_after(cursor, BATCH):
        client.request("POST", "/api/sync/v1/commits", {"commits": [
            wire(project, c, c.email in mine or c.email in wanted)
            for _, project, c, mine in rows]})
        cursor = rows[-1][0]
        store.set_meta({key: str(cursor)})
        sent += len(rows)
    return sent


def wire(project: str, c: Commit, mine: bool) -> dict[str, Any]:
    """A commit as `/api/sync/v1/commits` takes it."""
    return {"project": project, "hash": c.hash, "parents": c.parents, "email": c.email,
            "author": c.author, "authored": c.authored, "committed": c.committed,
            "subject": c.subject, "added": c.added, "deleted": c.deleted, "mine": mine}
