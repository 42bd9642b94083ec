"""Synthetic but realistic history for the benchmarks: heavy daily use, ten years.

About 1,700 spans per weekday and 600 per weekend day, plugin spans included (5 million
over ten years): editors,
browsers, terminals, chat and a long tail of apps; 300 projects with 60 files each, 300 sites
with 200 pages each, so a couple of hundred thousand distinct activities. Editor and browser
plugins add their own spans over the window watcher's (overlaps to resolve).
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from desktop.engine.span import Span

PROJECTS = [f"project-{i:03d}" for i in range(300)]
SITES = [f"site{i:03d}.example" for i in range(300)]
OTHER_APPS = [f"app-{i:03d}" for i in range(140)]
EDITORS = ["code", "pycharm", "nvim"]
EXTENSIONS = {"py": "Python", "rs": "Rust", "ts": "TypeScript", "go": "Go", "md": "Markdown",
              "toml": "TOML"}
COMMANDS = [f"cmd{i}" for i in range(20)]
WEEKDAY_SPANS, WEEKEND_SPANS = 1250, 450


def _zipf(n: int, s: float = 1.1) -> list[float]:
    cum, total = [], 0.0
    for k in range(1, n + 1):
        total += 1 / k ** s
        cum.append(total)
    return [c / total for c in cum]


_PROJECT_W, _SITE_W, _APP_W = _zipf(len(PROJECTS)), _zipf(len(SITES)), _zipf(len(OTHER_APPS))
_INDEX = {name: i for i, name in enumerate(PROJECTS + SITES)}


def _pick(rng: random.Random, items: list, cum: list[float]):
    return items[min(bisect.bisect(cum, rng.random()), len(items) - 1)]


def day_spans(day: date, device: str = "bench") -> list[Span]:
    """One day's spans, the same for the same day (seeded by it)."""
    rng = random.Random(day.toordinal())
    count = WEEKDAY_SPANS if day.weekday() < 5 else WEEKEND_SPANS
    focus = [_pick(rng, PROJECTS, _PROJECT_W) for _ in range(3)]
    t = datetime(day.year, day.month, day.day, 7, tzinfo=UTC).timestamp() + rng.random() * 7200
    out: list[Span] = []
    for i in range(count):
        if i == count // 2:
            t += 2400 + rng.random() * 1800  # lunch
        length = min(600.0, 1.0 + rng.expovariate(1 / 16))
        a, b = t, t + length
        t = b + (0 if rng.random() < 0.8 else rng.random() * 90)
        kind = rng.random()
        project = rng.choice(focus) if rng.random() < 0.85 else _pick(rng, PROJECTS, _PROJECT_W)
        if kind < 0.45:
            editor = EDITORS[_INDEX[project] % 3]
            ext = rng.choice(list(EXTENSIONS))
            file = f"src/mod{rng.randrange(60 // len(EXTENSIONS))}.{ext}"
            out.append(Span(a, b, "window", device, app=editor,
                            title=f"{file} - {project} - {editor}", keystrokes=int(length)))
            if rng.random() < 0.5 and length > 3:
                out.append(Span(a + 1, b - 1, "editor", device, file=file, project=project,
                                branch=rng.choice(["main", "main", "dev"]), editor=editor,
                                language=EXTENSIONS[ext], lines_added=rng.randrange(5)))
        elif kind < 0.70:
            site = _pick(rng, SITES, _SITE_W)
            page = rng.randrange(200)
            browser = "firefox" if _INDEX[site] % 3 else "chrome"
            title = f"Page {page} | {site}"
            out.append(Span(a, b, "window", device, app=browser, title=f"{title} - {browser}"))
            if rng.random() < 0.5:
                out.append(Span(a, b, "browser", device, browser=browser, site=site,
                                title=title, url=f"https://{site}/p/{page}"))
        elif kind < 0.80:
            out.append(Span(a, b, "window", device, app="terminal", terminal="kitty",
                            title=f"{project}: {rng.choice(COMMANDS)}"))
        elif kind < 0.90:
            app = rng.choice(["slack", "thunderbird"])
            out.append(Span(a, b, "window", device, app=app, title=f"{app} #{rng.randrange(30)}"))
        else:
            app = _pick(rng, OTHER_APPS, _APP_W)
            out.append(Span(a, b, "window", device, app=app, title=f"{app} {rng.randrange(10)}"))
    return out


def history(total: int, last_day: date = date(2025, 12, 31)) -> Iterator[list[Span]]:
    """About `total` spans, one list per day, oldest first, ending on `last_day`."""
    per_week = (5 * WEEKDAY_SPANS + 2 * WEEKEND_SPANS) * 1.323  # with plugin spans
    days = max(1, round(total / (per_week / 7)))
    made = 0
    for offset in range(days - 1, -1, -1):
        spans = day_spans(last_day - timedelta(days=offset))
        if made + len(spans) > total:
            spans = spans[:total - made]
        made += len(spans)
        if spans:
            yield spans
        if made >= total:
            return
