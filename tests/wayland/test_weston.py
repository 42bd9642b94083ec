"""weston offers no way to read the focused window nor idle time: `timeforged now` says so
in one sentence each instead of guessing (from XWayland) or reporting zeros."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.wayland


def test_timeforged_now_says_what_cannot_work_here(weston):
    seen = json.loads(weston.run("/usr/bin/python3", "-m", "desktop.cli", "now",
                                 "--json").stdout)
    assert (seen["app"], seen["title"], seen["idle_seconds"], seen["activity"]) == (
        None, None, None, None)
    assert "window titles are unavailable on this Wayland session (wayland-weston): this " \
           "compositor lets no program read the focused window" in " ".join(seen["warnings"])
    assert any(w.startswith("idle time unavailable on wayland-weston: the compositor offers "
                            "neither ext-idle-notify-v1 nor org_kde_kwin_idle")
               for w in seen["warnings"])
    assert any("input counts are not measured" in w for w in seen["warnings"])
