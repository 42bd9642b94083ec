"""Finding tray icons embedded in trayer's panel on the test display."""

from __future__ import annotations

import re
import subprocess

from tests.xsession import XSession

# `0x600007 "name": ("name" "Name")  22x22+0+0  +1897+1` (size, relative, absolute)
_GEOMETRY = re.compile(
    r"^\s*(0x[0-9a-f]+) (.*?):.*\s(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)$")


def embedded_icons(x_session: XSession) -> list[tuple[str, int, int, int, int]]:
    """Windows inside trayer's panel: (id, x, y, width, height) in root coordinates."""
    try:
        panels = x_session.xdotool("search", "--classname", "^panel$").split()
    except subprocess.CalledProcessError:  # xdotool exits 1 when nothing matches
        return []
    found = []
    for panel in panels:
        tree = x_session.run("xwininfo", "-tree", "-id", panel)
        for line in tree.splitlines():
            m = _GEOMETRY.match(line)
            if m and m.group(2) != "(has no name)":
                wid, _name, w, h, x, y = m.groups()
                found.append((wid, int(x), int(y), int(w), int(h)))
    return found
