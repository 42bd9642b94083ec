"""The drill-down's commits list, computed off the GUI thread (no Qt here): the project's
commits in a period with the time each collected, and its pull requests (the rule is
desktop.engine.commits')."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from desktop.engine.commits import Commits


@dataclass(frozen=True)
class CommitRow:
    hash: str
    subject: str
    authored: float
    seconds: float
    added: int
    deleted: int
    branch: str | None
    pull: str | None


@dataclass(frozen=True)
class PullRow:
    pull: str
    branch: str | None
    commits: int
    seconds: float
    added: int
    deleted: int


@dataclass
class CommitList:
    project: str
    start: float
    end: float
    commits: list[CommitRow] = field(default_factory=list)
    pulls: list[PullRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # repositories git could not read


def load_commits(commits: Commits, project: str, start: float, end: float,
                 refresh: bool = True) -> CommitList:
    """The project's commits with a moment in [start, end), newest first, and its pull
    requests, most time first; new commits are read first when `refresh`."""
    out = CommitList(project, start, end)
    if refresh:
        out.problems = commits.refresh()
    pulls: dict[tuple[str, str | None], list] = defaultdict(lambda: [0, 0.0, 0, 0])
    for t in commits.times(start, end, project):
        c = t.commit
        out.commits.append(CommitRow(c.hash, c.subject, c.authored, t.seconds, c.added,
                                     c.deleted, t.branch, t.pull))
        if t.pull is not None:
            acc = pulls[t.pull, t.branch]
            acc[0] += 1
            acc[1] += t.seconds
            acc[2] += c.added
            acc[3] += c.deleted
    out.pulls = sorted((PullRow(pull, branch, *acc) for (pull, branch), acc in pulls.items()),
                       key=lambda p: (-p.seconds, p.pull))
    return out
