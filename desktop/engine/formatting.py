"""Human-readable figures shared by the command line and the UI."""

from __future__ import annotations


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
