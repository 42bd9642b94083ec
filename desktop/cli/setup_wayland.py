"""`timeforged setup-wayland`: what this Wayland desktop needs for TimeForged to see the
focused window. On GNOME it installs TimeForged's own GNOME Shell extension (built for the
installed GNOME Shell's version) and enables it; GNOME Shell on Wayland loads a new extension
only at login. KDE Plasma, Sway, Hyprland and other wlroots compositors need nothing.
"""

from __future__ import annotations

import argparse

from desktop.cli.context import CliError
from watchers.display import current_desktop, is_wlroots


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup-wayland", help="set up what this Wayland desktop needs for "
                       "TimeForged to see the focused window (GNOME: installs its extension)",
                       description=__doc__)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    desktop = current_desktop() or ""
    if desktop == "gnome":
        from watchers.window.gnome_ext import SetupError, setup

        try:
            major, folder = setup()
        except SetupError as exc:
            raise CliError(str(exc)) from exc
        print(f"Installed and enabled TimeForged's GNOME Shell extension for GNOME {major} "
              f"in {folder}.\nLog out and back in: GNOME Shell on Wayland loads a new "
              "extension only at login.")
        return 0
    if desktop == "kde" or is_wlroots(desktop):
        print(f"Nothing to set up on {desktop}: TimeForged reads the focused window by itself "
              "(a KWin script on KDE, the compositor's IPC or wlr-foreign-toplevel elsewhere).")
        return 0
    raise CliError(f"TimeForged cannot read the focused window on this desktop "
                   f"({desktop or 'unknown'}); it does on GNOME, KDE Plasma and wlroots "
                   "compositors (Sway, Hyprland, river, labwc...)")
