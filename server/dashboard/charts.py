"""The dashboard's charts as inline SVG, drawn on the server (they need no JavaScript); each
mark has a <title> (the tooltip, and what a screen reader says) with its figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from html import escape

from desktop.engine.api.shapes import duration_parts

# Category colours: readable on the light and the dark background alike.
PALETTE = ("#4c6ef5", "#12b886", "#f59f00", "#e64980", "#7950f2", "#15aabf", "#fa5252",
           "#82c91e", "#fd7e14", "#868e96")
HEAT = ("var(--heat0)", "#9be9a8", "#40c463", "#30a14e", "#216e39")


def text(seconds: float) -> str:
    return duration_parts(seconds)["text"]


def colours(names: Sequence[str]) -> dict[str, str]:
    """A colour per name, in order (the last colour for every name past the palette)."""
    return {n: PALETTE[min(i, len(PALETTE) - 1)] for i, n in enumerate(names)}


def stacked(columns: Sequence[tuple[str, str, float, Mapping[str, float]]],
            colour: Mapping[str, str], label: str) -> str:
    """Columns (its tick, its name, its total, seconds per category) of stacked bars, the
    tallest scaled to the chart's height; a tick under every few columns."""
    width, height, gap = 900, 180, 2
    n = max(1, len(columns))
    slot = width / n
    top = max((t for _, _, t, _ in columns), default=0.0) or 1.0
    parts = [f"<svg viewBox='0 0 {width} {height + 18}' role='img' class='stacked' "
             f"aria-label='{escape(label, quote=True)}'>"
             f"<line x1='0' y1='{height}' x2='{width}' y2='{height}' class='axis'/>"]
    step = -(-n // 10)
    for i, (tick, name, total, cats) in enumerate(columns):
        x, y = i * slot + gap / 2, float(height)
        for cat, secs in sorted(cats.items(), key=lambda kv: -kv[1]):
            h = height * secs / top
            y -= h
            parts.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(slot - gap, 1):.1f}' "
                         f"height='{h:.1f}' fill='{colour.get(cat, PALETTE[-1])}'><title>"
                         f"{escape(name)}: {escape(cat)} {text(secs)}</title></rect>")
        if total == 0:
            parts.append(f"<rect x='{x:.1f}' y='{height - 1}' width='{max(slot - gap, 1):.1f}'"
                         f" height='1' class='none'><title>{escape(name)}: nothing</title>"
                         "</rect>")
        if i % step == 0:  # the first from its column's left edge: not cut off
            at, anchor = (x, "start") if i == 0 else (x + slot / 2, "middle")
            parts.append(f"<text x='{at:.1f}' y='{height + 14}' text-anchor='{anchor}'>"
                         f"{escape(tick)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def bar(fraction: float) -> str:
    """A table row's bar: `fraction` of the row's largest."""
    w = max(0.0, min(1.0, fraction)) * 100
    return (f"<svg viewBox='0 0 100 8' preserveAspectRatio='none' class='bar' aria-hidden='true'>"
            f"<rect width='100' height='8' class='track'/><rect width='{w:.1f}' height='8' "
            "class='fill'/></svg>")


def ring(done: float, goal: float) -> str:
    """The daily goal ring: today's time against the goal (full when reached)."""
    r, c = 42, 2 * 3.14159265 * 42
    share = min(1.0, done / goal) if goal else 0.0
    title = (f"Today {text(done)} of a {text(goal)} goal ({share * 100:.0f}%)" if goal
             else f"Today {text(done)}; no daily goal set")
    return (f"<svg viewBox='0 0 100 100' class='ring' role='img' "
            f"aria-label='{escape(title, quote=True)}'><title>{escape(title)}</title>"
            f"<circle cx='50' cy='50' r='{r}' class='track'/>"
            f"<circle cx='50' cy='50' r='{r}' class='fill' stroke-dasharray='{share * c:.1f} "
            f"{c:.1f}' transform='rotate(-90 50 50)'/>"
            f"<text x='50' y='56' text-anchor='middle'>{share * 100:.0f}%</text></svg>")


def heatmap(daily: Mapping[date, float], first: date, last: date) -> str:
    """Days first..last as squares, a column per week (Monday on top), darker for more time
    (quartiles of the days with time)."""
    values = sorted(s for s in daily.values() if s > 0)
    cuts = [values[len(values) * q // 4] for q in (1, 2, 3)] if values else []
    start = first - timedelta(days=first.weekday())
    weeks = (last - start).days // 7 + 1
    cell = 12
    parts = [f"<svg viewBox='0 0 {weeks * cell + 2} {7 * cell + 16}' class='heat' role='img' "
             f"aria-label='Time per day, {first.isoformat()} to {last.isoformat()}'>"]
    for col in range(weeks):
        monday = start + timedelta(days=7 * col)
        if col < weeks - 2 and (col == 0 or monday.month != (monday - timedelta(days=7)).month):
            parts.append(f"<text x='{col * cell + 1}' y='10'>{monday.strftime('%b')}</text>")
    day = first
    while day <= last:
        col, row = (day - start).days // 7, day.weekday()
        secs = daily.get(day, 0.0)
        level = 0 if secs <= 0 else 1 + sum(secs > c for c in cuts)
        parts.append(f"<rect x='{col * cell + 1}' y='{row * cell + 14}' width='{cell - 2}' "
                     f"height='{cell - 2}' rx='2' fill='{HEAT[level]}'><title>"
                     f"{day.isoformat()}: {text(secs)}</title></rect>")
        day += timedelta(days=1)
    parts.append("</svg>")
    return "".join(parts)
