"""Working sessions: the overlap-resolved timeline joined by the heartbeat rule.

Pieces of time follow each other in one session while the gap between them is below the
timeout (docs/accounting.md, 15 minutes as for editor heartbeats); a longer gap starts a new
one. A session's duration is the time counted in it (gaps are not counted), so the sessions of
a range add up to its total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from desktop.engine.span import MANUAL, Classification, Span
from desktop.engine.store.beats import TIMEOUTS

GAP = TIMEOUTS["editor"]


@dataclass
class Session:
    start: float
    end: float
    seconds: float = 0.0
    manual_seconds: float = 0.0
    projects: Counter = field(default_factory=Counter)
    files: Counter = field(default_factory=Counter)

    @property
    def project(self) -> str | None:
        """The project with the most time in the session."""
        return _top(self.projects, 1)[0] if self.projects else None

    def main_files(self, n: int = 3) -> list[str]:
        return _top(self.files, n)

    @property
    def manual(self) -> bool:
        """Whether any of its time was logged by hand."""
        return self.manual_seconds > 0


def _top(counter: Counter, n: int) -> list[str]:
    return [k for k, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def sessions(pieces: Iterable[tuple[float, float, Span, Classification]],
             gap: float = GAP) -> list[Session]:
    """Sessions of sorted, non-overlapping (start, end, span, classification) pieces."""
    out: list[Session] = []
    for a, b, span, found in pieces:
        if b <= a:
            continue
        if not out or a - out[-1].end >= gap:
            out.append(Session(a, b))
        cur = out[-1]
        cur.end = max(cur.end, b)
        cur.seconds += b - a
        if span.source == MANUAL:
            cur.manual_seconds += b - a
        project = found.project or span.project
        if project:
            cur.projects[project] += b - a
        if span.file:
            cur.files[span.file] += b - a
    return out
