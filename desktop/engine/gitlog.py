"""A repository's commits, read with git itself (never by parsing its objects).

Reading is incremental: the refs (branches, remote branches, tags) are fingerprinted with one
`git for-each-ref`; when they have not moved nothing else runs. When they have, `git rev-list`
names every reachable commit and only those not read before are read (`git log --no-walk`).
Commits no longer reachable (amended, rebased away, a deleted branch) are reported as gone.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass

from desktop.engine.digests import blake2b

REFS = ("--branches", "--remotes", "--tags")
_FIELDS = "%H%x00%P%x00%ae%x00%an%x00%at%x00%ct%x00%s"
_MARK = "\x01commit\x01"
_TIMEOUT = 120.0


class GitError(Exception):
    """git is missing, or the folder is not a repository git can read."""


@dataclass(frozen=True, slots=True)
class Commit:
    hash: str
    parents: int
    email: str
    author: str
    authored: float   # author date: kept through rebase, cherry-pick and amend
    committed: float  # committer date: when the commit object was (re)written
    subject: str
    added: int
    deleted: int

    @property
    def merge(self) -> bool:
        return self.parents > 1


@dataclass(frozen=True, slots=True)
class Change:
    """What moved in a repository since it was last read."""

    fingerprint: str
    new: list[Commit]
    gone: set[str]


def _git(root: str, *args: str, stdin: str | None = None) -> str:
    import subprocess  # here: the store imports this module's types, the CLI's reports too

    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", "-C", root, *args], input=stdin, capture_output=True,
                              text=True, encoding="utf-8", errors="replace", env=env,
                              timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git could not read {root}: {exc}") from exc
    if done.returncode != 0:
        raise GitError(f"git could not read {root}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def fingerprint(root: str) -> str:
    """A digest of every ref and where it points (what `read` is skipped for)."""
    refs = _git(root, "for-each-ref", "--format=%(objectname) %(refname)",
                "refs/heads", "refs/remotes", "refs/tags")
    return blake2b(refs.encode(), digest_size=16).hexdigest()


def emails(root: str) -> set[str]:
    """The user's address as git would write it into a commit here (lower case)."""
    try:
        found = _git(root, "config", "--get-all", "user.email")
    except GitError:  # not set: exit status 1
        return set()
    return {line.strip().lower() for line in found.splitlines() if line.strip()}


def _parse(text: str) -> list[Commit]:
    out = []
    for block in text.split(_MARK)[1:]:
        head, _, rest = block.partition("\n")
        sha, parents, email, author, authored, committed, subject = head.split("\x00", 6)
        added = deleted = 0
        for word, count in _stat_words(rest):
            if word.startswith("insertion"):
                added = count
            elif word.startswith("deletion"):
                deleted = count
        out.append(Commit(sha, len(parents.split()), email.lower(), author, float(authored),
                          float(committed), subject, added, deleted))
    return out


def _stat_words(text: str) -> list[tuple[str, int]]:
    """(word, number) pairs of a --shortstat line: '2 files changed, 5 insertions(+)...'."""
    pairs = []
    for part in text.strip().split(","):
        number, _, word = part.strip().partition(" ")
        if number.isdigit():
            pairs.append((word, int(number)))
    return pairs


def read(root: str, known: Collection[str], was: str | None = None) -> Change | None:
    """What changed in the repository at `root` since the refs had fingerprint `was` and the
    commits `known` were read; None when the refs have not moved."""
    now = fingerprint(root)
    if now == was:
        return None
    reachable = set(_git(root, "rev-list", *REFS).split())
    todo = sorted(reachable - set(known))
    new = _parse(_git(root, "log", "--no-walk=unsorted", "--stdin", "--shortstat",
                      f"--format={_MARK}{_FIELDS}", stdin="\n".join(todo))) if todo else []
    return Change(now, new, set(known) - reachable)
