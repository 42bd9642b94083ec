"""Idle time and input counts: `create_idle_watcher` picks the sources for this session."""

from __future__ import annotations

from watchers.display import detect_session
from watchers.idle.base import IdleSource
from watchers.idle.combined import IdleWatcher
from watchers.idle.hooks import InputHooks

__all__ = ["IdleSource", "IdleWatcher", "InputHooks", "create_idle_watcher"]

HOOK_SESSIONS = ("x11", "windows", "macos")


def _fallback(session: str, notes: list[str]) -> IdleSource | None:
    if session == "x11":
        from watchers.idle.xscreensaver import XScreenSaverIdle

        return XScreenSaverIdle()
    if session == "windows":
        from watchers.idle.windows import LastInputIdle

        return LastInputIdle()
    if session == "macos":
        from watchers.idle.macos import QuartzIdle

        return QuartzIdle()
    if session == "wayland-gnome":
        from watchers.idle.gnome import MutterIdle

        return MutterIdle()
    if session.startswith("wayland"):
        from watchers.idle.wayland import WaylandIdle
        from watchers.window.base import WatcherUnavailable

        try:
            return WaylandIdle()
        except WatcherUnavailable as exc:
            reason = str(exc)
        if session == "wayland-kde":  # Plasma's screen locker, where it answers
            from watchers.idle.screensaver import ScreenSaverIdle

            try:
                return ScreenSaverIdle()
            except WatcherUnavailable as exc:
                reason += f", and {exc}"
        notes.append(f"idle time unavailable on {session}: {reason}")
    return None


def create_idle_watcher(session: str | None = None, *, hooks: bool = True) -> IdleWatcher:
    """Hooks (when `hooks` and the session allows them) plus the system idle timer; with
    `hooks` where none can run, the idle timer's idle→active transitions are counted.

    Never raises: what is missing is listed in the watcher's `warnings`.
    """
    session = session or detect_session()
    notes: list[str] = []
    fallback = _fallback(session, notes)
    if fallback is None and not notes:
        notes.append("idle time unavailable: no display" if session == "none"
                     else f"idle time unavailable on {session}")
    hook = None
    if hooks and session in HOOK_SESSIONS:
        hook = InputHooks()
        hook.ensure_running()
    elif session.startswith("wayland"):
        notes.append("no keystroke or click counts: Wayland lets no program read other "
                     "programs' keys and clicks, so input counts are not measured"
                     + ("; activity counts idle→active transitions instead" if fallback
                        else ""))
    return IdleWatcher(hook, fallback, tuple(notes), count_transitions=hooks)
