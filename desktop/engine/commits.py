"""Coding time per commit and per pull request, from the repositories worked in.

The rule (docs/commits.md says it for users):
- Repositories are those holding the files of tracked activities; their history is read with
  git, incrementally (desktop.engine.gitlog), and kept in the store.
- Only the user's own commits collect time (author address among the repository's
  `user.email` values and those configured); merge commits collect none.
- A commit's moment is its author date, which rebase, cherry-pick and amend keep: rewriting
  history never moves time between commits.
- A commit's branch is the branch of the last coding in the project before its moment (up to
  BRANCH_LOOKBACK quarter hours back); unknown when there is none.
- A commit collects the coding time (category "coding") in its project and on its branch from
  the moment of the user's previous commit on that branch to its own moment; the first one
  collects everything before it. A commit of unknown branch counts every branch.
- A pull request is named by a merge commit's subject ("Merge pull request #12 from
  owner/branch") or by its branch's name (pr/12, pull/12/head, mr-12): its time is its
  branch's.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from desktop.engine import gitlog
from desktop.engine.analytics import UNKNOWN, Analytics
from desktop.engine.gitlog import Commit
from desktop.engine.span import ACTIVITY_FIELDS
from desktop.engine.store import Store
from desktop.engine.store.rollups import QUARTER
from watchers.projects import find_project

BRANCH_LOOKBACK = 16  # quarter hours searched back from a commit for the branch coded on
CODING = "coding"
_BRANCH = ACTIVITY_FIELDS.index("branch")
_SCANNED = "git_scanned_activity"  # meta: the last activity id whose file was looked at
_MERGE_SUBJECTS = (re.compile(r"^Merge pull request #(\d+) from [^/\s]+/(\S+)"),
                   re.compile(r"^Merged in (\S+) \(pull request #(\d+)\)"))
_BRANCH_NAMES = re.compile(r"(?:^|/)(?:pr|pull|mr)[-/_]?(\d+)(?:$|[-/_])", re.I)


@dataclass(frozen=True, slots=True)
class CommitTime:
    root: str
    project: str
    commit: Commit
    branch: str | None
    seconds: float
    pull: str | None  # "#12" when a merge commit or the branch's name says so


def pull_requests(commits: Iterable[Commit]) -> dict[str, str]:
    """'#N' by branch name, from merge commits' subjects."""
    found: dict[str, str] = {}
    for c in commits:
        if not c.merge:
            continue
        if m := _MERGE_SUBJECTS[0].match(c.subject):
            found[m.group(2)] = f"#{m.group(1)}"
        elif m := _MERGE_SUBJECTS[1].match(c.subject):
            found[m.group(1)] = f"#{m.group(2)}"
    return found


def pull_of(branch: str | None, merged: dict[str, str]) -> str | None:
    if branch is None:
        return None
    if branch in merged:
        return merged[branch]
    m = _BRANCH_NAMES.search(branch)
    return f"#{m.group(1)}" if m else None


Piece = tuple[float, float, str]  # start, end, branch name (UNKNOWN for none)


class Ledger:
    """Coding seconds in one project, per branch, before any moment: whole quarter hours
    from the rollups, the quarter a moment falls in from its overlap-resolved pieces (exact).
    `pieces(windows)` gives the project's coding pieces in each [a, b) of `windows`; the
    pieces before each moment are read with `prefetch`, all in one call."""

    def __init__(self, per_quarter: dict[tuple[int, str], float],
                 pieces: Callable[[list[tuple[float, float]]], list[list[Piece]]]) -> None:
        self._pieces = pieces
        by_branch: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for (q, branch), secs in sorted(per_quarter.items()):
            by_branch[branch].append((q, secs))
        self._quarters = {b: [q for q, _ in rows] for b, rows in by_branch.items()}
        self._sums = {b: _prefix(secs for _, secs in rows) for b, rows in by_branch.items()}
        self._busy = sorted({q for q, _ in per_quarter})
        self._memo: dict[tuple[int, float], list[Piece]] = {}
        self._coded = set(self._busy)
        self._only: dict[int, str | None] = {}  # quarter -> its one branch, None for several
        for q, branch in per_quarter:
            self._only[q] = branch if q not in self._only else None

    def _window(self, q: int, moment: float) -> tuple[int, float] | None:
        """(quarter, end) of the part of quarter `q` before `moment`; None without coding."""
        return (q, min(moment, (q + 1) * QUARTER)) if q in self._coded else None

    def _before_in(self, q: int, moment: float) -> list[Piece]:
        """The pieces of quarter `q` before `moment`."""
        key = self._window(q, moment)
        if key is None or key[1] <= q * QUARTER:
            return []
        found = self._memo.get(key)
        if found is None:
            [found] = self._pieces([(q * QUARTER, key[1])])
            self._memo[key] = found
        return found

    def prefetch(self, moments: Iterable[float]) -> None:
        """Read the pieces `before` and `branch_at` will want at `moments`: those of each
        moment's quarter in one call, then those of the quarters `branch_at` still has to
        look at in another."""
        moments = list(moments)
        self._read({self._window(math.floor(m / QUARTER), m) for m in moments})
        wanted: set[tuple[int, float] | None] = set()
        for moment in moments:  # as branch_at walks, up to a quarter not read yet
            q = math.ceil(moment / QUARTER) - 1
            i = bisect.bisect_right(self._busy, q) - 1
            while i >= 0 and q - self._busy[i] <= BRANCH_LOOKBACK:
                if (self._only[self._busy[i]] is not None
                        and (self._busy[i] + 1) * QUARTER <= moment):
                    break
                key = self._window(self._busy[i], moment)
                if key not in self._memo:
                    wanted.add(key)
                    break
                if self._memo[key]:
                    break
                i -= 1
        self._read(wanted)

    def _read(self, keys: set[tuple[int, float] | None]) -> None:
        order = sorted(k for k in keys
                       if k is not None and k[1] > k[0] * QUARTER and k not in self._memo)
        for key, found in zip(order, self._pieces([(q * QUARTER, end) for q, end in order]),
                              strict=True):
            self._memo[key] = found

    def before(self, moment: float, branch: str | None) -> float:
        """Seconds before `moment` on `branch` (every branch when None)."""
        q = math.floor(moment / QUARTER)
        total = sum(b - a for a, b, name in self._before_in(q, moment)
                    if branch is None or name == branch)
        for b in (self._quarters if branch is None else [branch]):
            quarters = self._quarters.get(b)
            if quarters:
                total += self._sums[b][bisect.bisect_left(quarters, q)]
        return total

    def branch_at(self, moment: float) -> str | None:
        """The branch of the project's last coding before `moment` (BRANCH_LOOKBACK quarter
        hours back at most)."""
        q = math.ceil(moment / QUARTER) - 1
        i = bisect.bisect_right(self._busy, q) - 1
        while i >= 0 and q - self._busy[i] <= BRANCH_LOOKBACK:
            only = self._only[self._busy[i]]
            if only is not None and (self._busy[i] + 1) * QUARTER <= moment:
                return None if only == UNKNOWN else only  # a quarter all before, one branch
            earlier = self._before_in(self._busy[i], moment)
            if earlier:
                name = earlier[-1][2]  # pieces are sorted and disjoint: the last ends last
                return None if name == UNKNOWN else name
            i -= 1
        return None


def _prefix(values: Iterable[float]) -> list[float]:
    sums = [0.0]
    for v in values:
        sums.append(sums[-1] + v)
    return sums


def assign(commits: list[Commit], mine: set[str], ledger: Ledger
           ) -> list[tuple[Commit, str | None, float]]:
    """(commit, branch, seconds) for the user's non-merge commits, by the module's rule."""
    own = sorted((c for c in commits if not c.merge and c.email in mine),
                 key=lambda c: (c.authored, c.hash))
    ledger.prefetch(c.authored for c in own)
    last: dict[str | None, float] = {}
    out = []
    for c in own:
        branch = ledger.branch_at(c.authored)
        since = last.get(branch)
        if branch is None:
            since = max(last.values(), default=None)
        seconds = ledger.before(c.authored, branch)
        if since is not None:
            seconds -= ledger.before(since, branch)
        out.append((c, branch, max(0.0, seconds)))
        last[branch] = c.authored
    return out


class Commits:
    """The repositories behind the tracked files, their commits and each commit's time."""

    def __init__(self, store: Store, analytics: Analytics, emails: Iterable[str] = ()) -> None:
        self.store = store
        self.analytics = analytics
        self.emails = {e.strip().lower() for e in emails if e.strip()}
        # root -> (what it was computed from, (commit, branch, seconds) of each commit)
        self._cache: dict[str, tuple[tuple, list[tuple[Commit, str | None, float]]]] = {}

    def refresh(self) -> list[str]:
        """Find repositories among newly tracked files and read what changed in each.
        Returns the problems met (a repository git cannot read), one line each."""
        self._discover()
        problems = []
        for root, (project, was, _) in sorted(self.store.repositories().items()):
            try:
                change = gitlog.read(root, self.store.commit_hashes(root), was)
                if change is not None:
                    self.store.save_commits(root, project, change, gitlog.emails(root))
            except gitlog.GitError as exc:
                problems.append(str(exc))
        return problems

    def _discover(self) -> None:
        after = int(self.store.meta(_SCANNED) or 0)
        rows = self.store.files_after(after)
        if not rows:
            return
        known = self.store.repositories()
        found: dict[str, str] = {}
        for _, project, path in rows:
            where = find_project(path)
            if where is not None and where.vcs == "git" and where.path not in known:
                found.setdefault(where.path, project or where.name)
        for root, project in found.items():
            try:
                change = gitlog.read(root, ())
            except gitlog.GitError:
                continue
            if change is not None:
                self.store.save_commits(root, project, change, gitlog.emails(root))
        self.store.set_meta({_SCANNED: str(rows[-1][0])})

    def times(self, start: float | None = None, end: float | None = None,
              project: str | None = None) -> list[CommitTime]:
        """The user's commits with a moment in [start, end) and the time each collected,
        newest first."""
        out: list[CommitTime] = []
        stamp = (self.store.change_stamp(), self.analytics.classifier.fingerprint)
        for root, (name, _, emails) in sorted(self.store.repositories().items()):
            if project is not None and name != project:
                continue
            cached = self._cache.get(root)
            key = (stamp, name, frozenset(emails | self.emails))
            if cached is None or cached[0] != key:
                found = self._assign(name, root, key[2])
                # stamped after: computing writes caches (classifications) to the store
                stamp = (self.store.change_stamp(), stamp[1])
                cached = self._cache[root] = ((stamp, *key[1:]), found)
            for commit, branch, seconds, pull in cached[1]:
                if (start is None or commit.authored >= start) and (
                        end is None or commit.authored < end):
                    out.append(CommitTime(root, name, commit, branch, seconds, pull))
        out.sort(key=lambda t: (-t.commit.authored, t.commit.hash))
        return out

    def _assign(self, name: str, root: str, mine: frozenset[str]
                ) -> list[tuple[Commit, str | None, float, str | None]]:
        """(commit, branch, seconds, pull request) of the user's commits in one repository."""
        commits = self.store.commits(root)
        if not commits:
            return []
        first = self.store.first_start()
        filters = {"project": name, "category": CODING}
        hi = max(c.authored for c in commits)
        lo = hi if first is None else min(first, hi)

        branch_of = {i: fields[_BRANCH] or UNKNOWN for i, fields in
                     self.store.activities(self.analytics.matching(filters)).items()}

        def pieces(windows: list[tuple[float, float]]) -> list[list[Piece]]:
            return [[(x, y, branch_of[act]) for x, y, (act, _) in found if act in branch_of]
                    for found in self.store.pieces_of(windows)]
        upto = (math.floor(hi / QUARTER) + 1) * QUARTER
        per_quarter: dict[tuple[int, str], float] = defaultdict(float)
        for (q, (act, _)), secs in self.store.seconds_by_quarter(
                lo, upto, activities=branch_of).items():
            per_quarter[q, branch_of[act]] += secs
        ledger = Ledger(dict(per_quarter), pieces)
        merged = pull_requests(commits)
        return [(commit, branch, seconds, pull_of(branch, merged))
                for commit, branch, seconds in assign(commits, set(mine), ledger)]

