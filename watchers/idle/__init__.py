"""Idle time and input counts: `create_idle_watcher` picks the sources for this session."""

from __future__ import annotations

from watchers.display import detect_session
from watchers.idle.base import IdleSource
from watchers.idle.combined import IdleWatcher
from watchers.idle.hooks import InputHooks

__all__ = ["IdleSource", "IdleWatcher", "InputHooks", "create_idle_watcher"]

HOOK_SESSIONS = ("x11", "windows", "macos")


def _fallback(session: str) -> IdleSource | None:
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
    return None


def create_idle_watcher(session: str | None = None, *, hooks: bool = True) -> IdleWatcher:
    """Hooks (when `hooks` and the session allows them) plus the system idle timer.

    Never raises: what is missing is listed in the watcher's `warnings`.
    """
    session = session or detect_session()
    notes: list[str] = []
    fallback = _fallback(session)
    if fallback is None:
        if session == "none":
            notes.append("idle time unavailable: no display")
        else:
            notes.append(f"idle time unavailable on {session}: only GNOME's Mutter "
                         "IdleMonitor is supported on Wayland")
    hook = None
    if hooks and session in HOOK_SESSIONS:
        hook = InputHooks()
        hook.ensure_running()
    elif hooks and session.startswith("wayland"):
        notes.append("no activity counts: input hooks cannot see Wayland applications")
    return IdleWatcher(hook, fallback, tuple(notes))
