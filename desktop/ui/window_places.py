"""Where a window was last, per screen: a small JSON file next to ui-state.json.

A screen is known by its name and size, so a laptop's window comes back where it was on the
laptop, and elsewhere when docked to a bigger monitor.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QScreen

FILE_NAME = "window-places.json"


def screen_key(screen: QScreen) -> str:
    size = screen.size()
    return f"{screen.name()} {size.width()}x{size.height()}"


def fit(rect: QRect, area: QRect) -> QRect:
    """`rect` made no larger than `area` and moved inside it."""
    width, height = min(rect.width(), area.width()), min(rect.height(), area.height())
    x = min(max(rect.x(), area.x()), area.right() + 1 - width)
    y = min(max(rect.y(), area.y()), area.bottom() + 1 - height)
    return QRect(x, y, width, height)


class WindowPlaces:
    """Saved [x, y, width, height] by window name and screen key."""

    def __init__(self, home: Path) -> None:
        self.path = home / FILE_NAME

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, window: str, screen: QScreen) -> QRect | None:
        place = self._read().get(window, {}).get(screen_key(screen))
        if not (isinstance(place, list) and len(place) == 4
                and all(isinstance(v, int) for v in place)):
            return None
        return QRect(*place)

    def put(self, window: str, screen: QScreen, rect: QRect) -> None:
        data = self._read()
        places = data.get(window) if isinstance(data.get(window), dict) else {}
        places[screen_key(screen)] = [rect.x(), rect.y(), rect.width(), rect.height()]
        data[window] = places
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass  # remembering where a window was is not worth an error
