"""The repositories worked in and their commits (tables git_repository and git_commit), read
and written on the store's connection; what the commits mean is desktop.engine.commits'
business, how they are read desktop.engine.gitlog's (imported when a commit is read: a store
opened to report time does not load it, issue 21)."""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.engine.gitlog import Change, Commit

_COLUMNS = "hash, parents, email, author, authored, committed, subject, added, deleted"
_PREFIXED = ", ".join(f"c.{name}" for name in _COLUMNS.split(", "))


def repositories(conn: sqlite3.Connection) -> dict[str, tuple[str, str, set[str]]]:
    """(project, refs fingerprint, the user's addresses) by repository root."""
    return {root: (project, fingerprint, set(emails.split("\n")) - {""})
            for root, project, fingerprint, emails in conn.execute(
                "SELECT root, project, fingerprint, emails FROM git_repository")}


def hashes(conn: sqlite3.Connection, root: str) -> set[str]:
    return {h for (h,) in conn.execute("SELECT hash FROM git_commit WHERE root = ?", (root,))}


def commits(conn: sqlite3.Connection, root: str) -> list[Commit]:
    """The repository's commits, oldest author date first."""
    from desktop.engine.gitlog import Commit

    return [Commit(*row) for row in conn.execute(
        f"SELECT {_COLUMNS} FROM git_commit WHERE root = ? ORDER BY authored, hash", (root,))]


def save(conn: sqlite3.Connection, root: str, project: str, change: Change,
         emails: set[str]) -> None:
    """Record what `change` says of the repository at `root` (in the caller's transaction)."""
    conn.execute(
        "INSERT INTO git_repository (root, project, fingerprint, emails, read) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (root) DO UPDATE SET project = excluded.project, "
        "fingerprint = excluded.fingerprint, emails = excluded.emails, read = excluded.read",
        (root, project, change.fingerprint, "\n".join(sorted(emails)), time.time()))
    conn.executemany("DELETE FROM git_commit WHERE root = ? AND hash = ?",
                     [(root, h) for h in change.gone])
    conn.executemany(
        f"INSERT INTO git_commit (root, {_COLUMNS}) VALUES ({', '.join('?' * 10)}) "
        "ON CONFLICT (root, hash) DO NOTHING",
        [(root, c.hash, c.parents, c.email, c.author, c.authored, c.committed, c.subject,
          c.added, c.deleted) for c in change.new])


def after(conn: sqlite3.Connection, rowid: int, limit: int
          ) -> list[tuple[int, str, Commit, set[str]]]:
    """(rowid, project, commit, the user's addresses there) of commits stored after `rowid`,
    in rowid order (the sync upload's cursor)."""
    from desktop.engine.gitlog import Commit

    return [(rid, project, Commit(*cols), set(emails.split("\n")) - {""})
            for rid, project, emails, *cols in conn.execute(
                f"SELECT c.rowid, r.project, r.emails, {_PREFIXED} FROM git_commit c "
                "JOIN git_repository r ON r.root = c.root WHERE c.rowid > ? ORDER BY c.rowid "
                "LIMIT ?", (rowid, limit))]
