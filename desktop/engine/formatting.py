"""Human-readable figures shared by the command line and the UI."""

from __future__ import annotations

import re


def format_duration(seconds: float) -> str:
    """`3h 05m`, `12m 30s`, `45s`."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


_SPAN_PART = re.compile(r"(\d+(?:\.\d+)?)(h|min|m|s)")
UNIT_WORDS = {1.0: "seconds", 60.0: "minutes"}


def parse_span(text: str, unit: float = 60.0) -> float:
    """Seconds in "25m", "1h30m", "1.5h", "45s", "50min"; a bare number counts in `unit`
    seconds (60: minutes). ValueError when `text` is not a duration."""
    value = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return float(value) * unit
    parts = _SPAN_PART.findall(value)
    if not value or "".join(n + u for n, u in parts) != value or len(
            {u.rstrip("in") for _, u in parts}) != len(parts):
        raise ValueError(f"not a duration: {text!r} (try 25m, 1h30m, 45s)")
    scale = {"h": 3600.0, "m": 60.0, "min": 60.0, "s": 1.0}
    return sum(float(n) * scale[u] for n, u in parts)


def format_span(seconds: float) -> str:
    """The compact form `parse_span` reads: `1h30m`, `20m`, `1m30s`, `45s`, `0.2s`."""
    if seconds < 60 and not float(seconds).is_integer():
        return f"{seconds:g}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") \
        + (f"{secs}s" if secs else "")
    return text or "0s"
