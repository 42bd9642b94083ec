"""wlroots compositors other than Sway: real headless Cage 0.1.4 (the kiosk: org_kde_kwin_idle
but no wlr-foreign-toplevel, so the window watcher says what to do) and Wayfire (core
wlr-foreign-toplevel and org_kde_kwin_idle; it needs a DRM render node, so it skips with that
reason on a machine without one)."""

from __future__ import annotations

import json

import pytest

from tests.wayland.session import SYSTEM_PYTHON, Probe

pytestmark = pytest.mark.wayland


def test_cage_gives_idle_time_and_says_why_there_is_no_window(cage):
    """Cage sets no XDG_CURRENT_DESKTOP: the generic sentence; named as a wlroots desktop,
    the one about the missing protocol."""
    seen = json.loads(cage.run(SYSTEM_PYTHON, "-m", "desktop.cli", "now", "--json").stdout)
    assert (seen["app"], seen["sources"]["idle_seconds"]) == (None, "idle.kwin-idle")
    assert ("window titles are unavailable on this Wayland session (wayland): this compositor "
            "lets no program read the focused window; TimeForged reads it on GNOME, KDE Plasma "
            "and wlroots compositors") in " ".join(seen["warnings"])
    named = json.loads(cage.run(SYSTEM_PYTHON, "-m", "desktop.cli", "now", "--json",
                                extra={"XDG_CURRENT_DESKTOP": "cage"}).stdout)
    assert ("window titles are unavailable on this Wayland session (wayland-cage): this "
            "compositor does not offer wlr-foreign-toplevel-management, through which TimeForged "
            "reads the focused window on wlroots compositors: use one that does (Sway, "
            "Hyprland, river, labwc, Wayfire)") in " ".join(named["warnings"])


def test_cage_idle_time_goes_up(cage):
    probe = Probe(cage)
    try:
        assert probe.idle_name == "idle.kwin-idle"
        assert probe.wait("idle", lambda a: a[1] >= 2.0)[1] >= 2.0
    finally:
        probe.close()


def test_wayfire_window_and_idle(wayfire):
    probe = Probe(wayfire)
    try:
        assert probe.window_name == "window.wlr"
        assert probe.idle_name in ("idle.ext-idle-notify", "idle.kwin-idle")
        wayfire.popen("foot", "--app-id=tf-wayfire", "--title=on wayfire", "cat")
        answer = probe.wait("window", lambda a: a[1] == "tf-wayfire")
        assert answer[:3] == ["window.wlr", "tf-wayfire", "on wayfire"]
        assert probe.wait("idle", lambda a: a[1] >= 2.0)[1] >= 2.0
    finally:
        probe.close()

