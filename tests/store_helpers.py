"""Shared bits of the store and analytics tests: a tiny classifier and span makers."""

from __future__ import annotations

import random
from collections import defaultdict

from desktop.engine.span import Classification, Span
from desktop.engine.timeline import resolve

T0 = 1_772_409_600.0  # 2026-03-02 00:00 UTC, a Monday


class TinyRules:
    """Stands in for rules.Rules: code is coding (project from the title), video is
    entertainment, chat is communicating; counts its calls."""

    def __init__(self, fingerprint: str = "tiny-1") -> None:
        self.fingerprint = fingerprint
        self.calls = 0

    def classify(self, span: Span) -> Classification:
        self.calls += 1
        if span.app == "code" or span.editor:
            project = span.title.split(" - ")[-1] if span.title and " - " in span.title else None
            return Classification(project, "coding", 2)
        if span.site == "youtube.com":
            return Classification(None, "entertainment", -2)
        if span.app == "chat":
            return Classification("team", "communicating", 1)
        return Classification()


def random_spans(seed: int, n: int, start: float = T0, days: float = 3.0) -> list[Span]:
    """Overlapping spans from several sources and devices, for cross-checks against raw."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a = start + rng.random() * days * 86400
        b = a + rng.choice([1, 5, 30, 120, 600, 1800, 5000]) * rng.random()
        source = rng.choice(["window", "window", "editor", "browser", "wakatime:editor"])
        out.append(Span(a, b, source=source, device=rng.choice(["d1", "d2"]),
                        app=rng.choice(["code", "firefox", "chat", None]),
                        title=rng.choice(["x.py - alpha", "y.rs - beta", "Inbox", None]),
                        site=rng.choice([None, "youtube.com", "github.com"]),
                        language=rng.choice([None, "Python", "Rust"])))
    return out


def raw_totals(spans: list[Span], start: float, end: float) -> dict[tuple, float]:
    """Seconds per (activity key, source, device) straight from the raw spans."""
    acc: dict[tuple, float] = defaultdict(float)
    for p in resolve(spans, start, end):
        acc[p.span.activity_key(), p.span.source, p.span.device] += p.duration
    return acc


def post(store, beats, *, editor: float = 900.0, browser: float = 120.0
         ) -> tuple[list[str | None], list[bool]]:
    """Store WakaTime heartbeats as the local API does (no rules)."""
    from desktop.engine.heartbeats import prepare

    return store.add_heartbeats([prepare(b, store.device) for b in beats],
                                {"editor": editor, "browser": browser})
