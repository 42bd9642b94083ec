"""Styles for the commands that print a few plain lines without rich, whose import would cost
more than such a command's work (`status`): ANSI codes on a terminal, none otherwise or when
NO_COLOR is set."""

from __future__ import annotations

import os
import sys

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32"}


def styled(text: str, *styles: str) -> str:
    out = sys.stdout
    if (not styles or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb"
            or out is None or not out.isatty()):
        return text
    return f"\x1b[{';'.join(_CODES[s] for s in styles)}m{text}\x1b[0m"
