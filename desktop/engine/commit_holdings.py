"""Sync's report of the commits each repository holds now (after `commit_sync.push_commits`):
the server deletes the commits no repository of any device holds any more, so amended,
rebased and squashed-away commits leave it as they leave the local store. A repository is
reported only when its set of commits changed since the last report to that server; the
server names reported commits it lacks, which are pushed again."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from desktop.engine.commit_sync import BATCH, wire
from desktop.engine.digests import sha256
from desktop.engine.store import Store

log = logging.getLogger(__name__)
HELD = "sync_held_commits:"  # meta, + the server's URL and the root: what was last reported
MAX_HELD = 150_000  # the server's limit per report; a larger repository is not reported
PATH = "/api/sync/v1/commits/held"


def repository_id(root: str) -> str:
    """The repository's name on the server: a digest of its folder (which stays here)."""
    return sha256(root.encode()).hexdigest()[:32]


def report_held(store: Store, client: Any, emails: Collection[str] = ()) -> int:
    """Report the repositories whose commits changed; returns how many were reported. A
    server without the endpoint (older) is left alone."""
    from desktop.engine.sync import SyncError  # (sync imports this module)

    wanted = {e.strip().lower() for e in emails}
    reported = 0
    for root, (project, fingerprint, mine) in sorted(store.repositories().items()):
        # The refs' fingerprint is stored with the commits they reach (one transaction): the
        # same fingerprint, the same commits; nothing more is read.
        key = f"{HELD}{client.url}\n{root}"
        digest = sha256(f"{project}\n{fingerprint}".encode()).hexdigest()
        if store.meta(key) == digest:
            continue
        hashes = sorted(store.commit_hashes(root))
        if len(hashes) > MAX_HELD:
            log.warning("commits of %s not reported: %d, more than %d", root, len(hashes),
                        MAX_HELD)
            continue
        try:
            answer = client.request("POST", PATH, {
                "device": store.device, "repository": repository_id(root),
                "project": project, "hashes": hashes})
        except SyncError as exc:
            if exc.transient or "answered 404" not in str(exc):
                raise
            return reported
        missing = set(answer.get("missing") or ())
        again = [wire(project, c, c.email in mine or c.email in wanted)
                 for c in store.commits(root) if c.hash in missing]
        for i in range(0, len(again), BATCH):
            client.request("POST", "/api/sync/v1/commits", {"commits": again[i:i + BATCH]})
        store.set_meta({key: digest})
        reported += 1
    return reported
