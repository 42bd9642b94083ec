"""Which kind of desktop session we run in: decides which watchers can see anything."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

# XDG_CURRENT_DESKTOP names of compositors built on wlroots (wlr-foreign-toplevel, no D-Bus API).
WLROOTS_DESKTOPS = frozenset({"sway", "hyprland", "river", "wayfire", "labwc", "niri", "dwl",
                              "cage", "qtile", "swayfx"})


def current_desktop(env: Mapping[str, str] | None = None) -> str | None:
    """The desktop's short lowercase name: ``gnome``, ``kde``, ``sway``... or None."""
    env = os.environ if env is None else env
    names = [n.strip().lower() for n in env.get("XDG_CURRENT_DESKTOP", "").split(":") if n.strip()]
    for name in names:  # "ubuntu:GNOME", "Unity:Unity7:ubuntu" ... the known family name wins
        if name in ("gnome", "kde", *WLROOTS_DESKTOPS):
            return name
    if names:
        return names[-1]
    session = env.get("DESKTOP_SESSION", "").strip().lower()
    if env.get("SWAYSOCK"):
        return "sway"
    if env.get("HYPRLAND_INSTANCE_SIGNATURE"):
        return "hyprland"
    return session.rsplit("/", 1)[-1] or None


def detect_session(env: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """``x11``, ``wayland-<desktop>`` (``wayland`` when the desktop is unknown), ``windows``,
    ``macos`` or ``none`` (no display at all)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform.startswith("win"):
        return "windows"
    if platform == "darwin":
        return "macos"
    kind = env.get("XDG_SESSION_TYPE", "").strip().lower()
    wayland = bool(env.get("WAYLAND_DISPLAY")) or kind == "wayland"
    if kind == "x11" and env.get("DISPLAY"):
        return "x11"
    if wayland:
        # An X DISPLAY here is XWayland: it sees only X clients, so never trust it for focus.
        desktop = current_desktop(env)
        return f"wayland-{desktop}" if desktop else "wayland"
    if env.get("DISPLAY"):
        return "x11"
    return "none"


def is_wlroots(session: str) -> bool:
    return session.removeprefix("wayland-") in WLROOTS_DESKTOPS
