"""Overlap resolution: many sources' spans become one non-overlapping timeline.

At every moment the covering span with the highest source priority wins; among equals the
one that started later (the fresher observation), then the smaller uuid, so the result does
not depend on input order. Pure functions, no I/O.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import TypeVar

from desktop.engine.span import Span, source_priority
from desktop.engine.uuids import text_of
from watchers.records import Frozen

T = TypeVar("T")

# (start, end, priority, uuid, payload); the uuid as a string or as the store keeps it
# (desktop.engine.uuids): ties compare its string.
RawItem = tuple[float, float, int, bytes | str, T]
_first = itemgetter(0)


class Piece(Frozen):
    """A stretch of [start, end) won by `span`."""

    __slots__ = ("start", "end", "span")  # noqa: RUF023

    start: float
    end: float
    span: Span

    def __init__(self, start: float, end: float, span: Span) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "span", span)

    @property
    def duration(self) -> float:
        return self.end - self.start


def resolve_raw(items: Sequence[RawItem], lo: float | None = None,
                hi: float | None = None) -> list[tuple[float, float, T]]:
    """Resolve (start, end, priority, uuid, payload) items into sorted, non-overlapping
    (start, end, payload) pieces, clipped to [lo, hi) when given. Adjacent pieces won by the
    same item are merged."""
    lo_ = float("-inf") if lo is None else lo
    hi_ = float("inf") if hi is None else hi
    if lo_ >= hi_:
        return []
    todo = sorted([it for it in items if it[1] > it[0] and it[1] > lo_ and it[0] < hi_],
                  key=_first)
    out: list[tuple[float, float, T]] = []
    n = len(todo)
    if not n:
        return out
    # Ties compare uuids: as they come when all are of one kind (16-byte UUIDs order as
    # their strings do), else as strings.
    kind = todo[0][3].__class__
    as_text = any(it[3].__class__ is not kind for it in todo)
    # Runs of items that overlap one another are resolved apart: an item alone in its run
    # (the common case: one tracker) is its own piece, with nothing to resolve.
    i = 0
    while i < n:
        it = todo[i]
        reach = it[1]
        j = i + 1
        while j < n and todo[j][0] < reach:
            if todo[j][1] > reach:
                reach = todo[j][1]
            j += 1
        if j == i + 1:
            out.append((lo_ if it[0] < lo_ else it[0], hi_ if it[1] > hi_ else it[1], it[4]))
        elif j == i + 2:  # (the next most common: an editor's or a browser's in a window's)
            _resolve_pair(it, todo[i + 1], lo_, hi_, out, as_text)
        else:
            _resolve_run(todo, i, j, lo_, hi_, out, as_text)
        i = j
    return out


def _resolve_pair(x: RawItem, y: RawItem, lo_: float, hi_: float, out: list,
                  as_text: bool) -> None:
    """_resolve_run of two items, `x` starting first: the winner's piece, and the loser's
    before and after it."""
    xa, xb, xp, xu, xv = x[:5]  # (callers may add fields)
    ya, yb, yp, yu, yv = y[:5]
    if xp != yp:
        y_wins = yp > xp
    elif xa != ya:
        y_wins = ya > xa
    else:
        if as_text:
            xu = text_of(xu) if xu.__class__ is bytes else xu
            yu = text_of(yu) if yu.__class__ is bytes else yu
        y_wins = yu < xu
    a = lo_ if xa < lo_ else xa
    if y_wins:
        c = lo_ if ya < lo_ else ya
        if c > a:
            out.append((a, c, xv))
        d = hi_ if yb > hi_ else yb
        out.append((c, d, yv))
        if xb > d < hi_:
            out.append((d, hi_ if xb > hi_ else xb, xv))
    else:
        d = hi_ if xb > hi_ else xb
        out.append((a, d, xv))
        if yb > d < hi_:
            out.append((d, hi_ if yb > hi_ else yb, yv))


def _resolve_run(todo: list[RawItem], i: int, n: int, lo_: float, hi_: float,
                 out: list, as_text: bool) -> None:
    """Append the pieces of todo[i:n], items sorted by start that overlap as one run
    (`as_text`: their uuids compared as strings)."""
    # Tight loop (years of pieces go through here): local names, no max/min calls.
    heap: list[tuple[int, float, bytes | str, int]] = []
    push, pop = heapq.heappush, heapq.heappop
    t = lo_ if todo[i][0] < lo_ else todo[i][0]
    last_idx = -1
    while i < n or heap:
        if not heap and i < n and todo[i][0] > t:
            t = todo[i][0]
        while i < n and (lo_ if todo[i][0] < lo_ else todo[i][0]) <= t:
            it = todo[i]
            u = it[3]
            push(heap, (-it[2], -it[0], text_of(u) if as_text and u.__class__ is bytes else u,
                        i))
            i += 1
        while heap:
            end = todo[heap[0][3]][1]
            if (hi_ if end > hi_ else end) > t:
                break
            pop(heap)
        if not heap:
            continue
        idx = heap[0][3]
        nxt = todo[idx][1]
        if nxt > hi_:
            nxt = hi_
        if i < n and todo[i][0] < nxt:
            nxt = todo[i][0]
        if idx == last_idx and out[-1][1] == t:
            out[-1] = (out[-1][0], nxt, out[-1][2])
        else:
            out.append((t, nxt, todo[idx][4]))
            last_idx = idx
        t = nxt


def covered(spans: Iterable[tuple[float, float]]) -> float:
    """The seconds (start, end) intervals cover, overlaps once: the total of their resolved
    timeline."""
    total, reach = 0.0, -math.inf
    for a, b in sorted(spans):
        if b > reach and b > a:
            total += b - max(a, reach)
            reach = b
    return total


def resolve(spans: Iterable[Span], start: float | None = None,
            end: float | None = None) -> list[Piece]:
    """The non-overlapping timeline of `spans`, clipped to [start, end) when given."""
    items = [(s.start, s.end, source_priority(s.source), s.uuid, s) for s in spans]
    return [Piece(a, b, s) for a, b, s in resolve_raw(items, start, end)]

