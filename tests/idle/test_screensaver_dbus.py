"""The KDE idle fallback, org.freedesktop.ScreenSaver.GetSessionIdleTime, through real calls on
a private session bus (a dbus-daemon started here).

No Plasma session that answers it runs here: KWin 5.27.5's screen locker refuses it on
Wayland (tests/wayland/test_kwin.py runs that for real), and Plasma on X11 is not installed.
A small jeepney service stands in for kscreenlocker on X11, owning the same name and path
and answering with the same signature (``u``, milliseconds from KIdleTime).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.private_bus import private_session_bus
from watchers.idle import create_idle_watcher
from watchers.idle.screensaver import ScreenSaverIdle
from watchers.window.base import WatcherUnavailable

jeepney = pytest.importorskip("jeepney")
from jeepney import new_error, new_method_return  # noqa: E402

from tests.dbus_standin import StandIn  # noqa: E402

NOT_SUPPORTED = "org.freedesktop.DBus.Error.NotSupported"


class StandInScreenSaver(StandIn):
    """Answers GetSessionIdleTime with `idle_ms`, or with `refusal` as an error when set."""

    def __init__(self) -> None:
        self.idle_ms = 4321
        self.refusal: str | None = None
        super().__init__("org.freedesktop.ScreenSaver")

    def answer(self, msg, path, member):
        if (path, member) != ("/ScreenSaver", "GetSessionIdleTime"):
            return new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod")
        if self.refusal:
            return new_error(msg, NOT_SUPPORTED, "s", (self.refusal,))
        return new_method_return(msg, "u", (self.idle_ms,))


@pytest.fixture
def screensaver(monkeypatch, tmp_path) -> Iterator[StandInScreenSaver]:
    with private_session_bus(tmp_path, monkeypatch):
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)  # no idle protocol to ask
        service = StandInScreenSaver()
        yield service
        service.close()


def test_plasma_session_without_an_idle_protocol_uses_the_screensaver(screensaver):
    idle = create_idle_watcher("wayland-kde")
    try:
        assert idle.fallback is not None and idle.fallback.name == "idle.screensaver"
        assert idle.seconds_idle() == pytest.approx(4.321)  # milliseconds, as KDE answers
        assert idle.source == "idle.screensaver"
        screensaver.idle_ms = 30  # input: one idle→active transition
        assert idle.seconds_idle() == pytest.approx(0.03)
        assert idle.take_counts().measured() == {"idle_to_active": 1}
    finally:
        idle.close()


def test_a_refusal_is_said_with_both_reasons(screensaver):
    screensaver.refusal = "GetSessionIdleTime is not supported on this platform"
    with pytest.raises(WatcherUnavailable, match="not supported on this platform"):
        ScreenSaverIdle()
    idle = create_idle_watcher("wayland-kde")
    assert idle.fallback is None
    (note,) = [w for w in idle.warnings if w.startswith("idle time unavailable")]
    assert "WAYLAND_DISPLAY" in note and f"{NOT_SUPPORTED}: GetSessionIdleTime" in note


def test_asked_on_kde_sessions_only(screensaver):
    """Other owners of the name (gnome-screensaver, xfce4-screensaver) answer in seconds."""
    idle = create_idle_watcher("wayland-river")
    assert idle.fallback is None
