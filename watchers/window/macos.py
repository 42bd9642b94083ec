"""The focused window on macOS: NSWorkspace's frontmost application, and its front window's
title from CGWindowListCopyWindowInfo.

Titles (kCGWindowName) are only given to apps holding the Screen Recording permission
(macOS 10.15+); without it the title is empty and WindowInfo.warning says so. pyobjc comes
with pywinctl on macOS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from watchers.apps.macos import document_path
from watchers.window.base import WindowInfo

NORMAL_LAYER = 0
NO_TITLE_WARNING = ("window titles need the Screen Recording permission (System Settings > "
                    "Privacy & Security > Screen Recording)")


def front_window(windows: Sequence[Mapping[str, Any]], pid: int) -> Mapping[str, Any] | None:
    """The frontmost normal-layer window of `pid` in CGWindowListCopyWindowInfo's list, which
    is ordered front to back."""
    for win in windows:
        if win.get("kCGWindowOwnerPID") == pid and win.get("kCGWindowLayer", 0) == NORMAL_LAYER:
            return win
    return None


def is_fullscreen(bounds: Mapping[str, float] | None, screen: tuple[float, float]) -> bool:
    if not bounds:
        return False
    return bounds.get("Width", 0) >= screen[0] and bounds.get("Height", 0) >= screen[1]


def build_info(app: Mapping[str, Any], windows: Sequence[Mapping[str, Any]],
               screen: tuple[float, float]) -> WindowInfo:
    """`app`: name, pid, exe, bundle and AXDocument (the focused window's file URL, for
    document-based apps) of the frontmost application; `windows`: the window list."""
    pid = app.get("pid")
    win = front_window(windows, pid) if pid else None
    title = (win or {}).get("kCGWindowName") or None
    exe = app.get("exe")
    process_name = exe.rsplit("/", 1)[-1] if exe else None
    # A window exists but its name is withheld: the permission is missing, not the title.
    warning = NO_TITLE_WARNING if win is not None and "kCGWindowName" not in win else None
    return WindowInfo(app=app.get("name") or process_name, title=title, pid=pid, exe=exe,
                      process_name=process_name, wm_class=app.get("bundle"),
                      fullscreen=is_fullscreen((win or {}).get("kCGWindowBounds"), screen),
                      source="window.quartz", warning=warning,
                      document=document_path(app.get("document")))


def ax_document(pid: int) -> str | None:
    """The AXDocument (a file URL) of `pid`'s focused window, read through the Accessibility
    API (it needs the Accessibility permission; without it, or for an app that has no
    document, None)."""
    try:
        import ApplicationServices as ax

        app = ax.AXUIElementCreateApplication(pid)
        err, window = ax.AXUIElementCopyAttributeValue(app, ax.kAXFocusedWindowAttribute, None)
        if err or window is None:
            return None
        err, document = ax.AXUIElementCopyAttributeValue(window, "AXDocument", None)
        return str(document) if not err and document else None
    except Exception:  # pyobjc missing, or the API refused: the title is all we have
        return None


class QuartzWindowWatcher:
    name = "window.quartz"

    def __init__(self, list_windows: Callable[[], Sequence[Mapping[str, Any]]] | None = None
                 ) -> None:
        import AppKit
        import Quartz

        self._appkit, self._quartz = AppKit, Quartz
        self._workspace = AppKit.NSWorkspace.sharedWorkspace()
        self._list_windows = list_windows or self._on_screen_windows

    def _on_screen_windows(self) -> Sequence[Mapping[str, Any]]:
        q = self._quartz
        options = q.kCGWindowListOptionOnScreenOnly | q.kCGWindowListExcludeDesktopElements
        return q.CGWindowListCopyWindowInfo(options, q.kCGNullWindowID) or ()

    def active_window(self) -> WindowInfo | None:
        front = self._workspace.frontmostApplication()
        if front is None:
            return None
        exe_url = front.executableURL()
        pid = int(front.processIdentifier())
        app = {"name": front.localizedName(), "pid": pid,
               "exe": exe_url.path() if exe_url else None, "bundle": front.bundleIdentifier(),
               "document": ax_document(pid)}
        frame = self._appkit.NSScreen.mainScreen().frame()
        return build_info(app, self._list_windows(), (frame.size.width, frame.size.height))
