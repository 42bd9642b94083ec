"""Windows and macOS window backends: their logic on recorded inputs (no such OS here)."""

from __future__ import annotations

import os

from watchers.window.macos import NO_TITLE_WARNING, build_info, front_window
from watchers.window.windows import Rect, app_name, is_fullscreen, uwp_app_pid
from watchers.window.windows import build_info as win_info

# CGWindowListCopyWindowInfo(kCGWindowListOptionOnScreenOnly | ExcludeDesktopElements),
# front to back, as pyobjc returns it (NSDictionaries behave like these dicts).
QUARTZ_WINDOWS = [
    {"kCGWindowLayer": 25, "kCGWindowOwnerName": "Control Center", "kCGWindowOwnerPID": 401,
     "kCGWindowNumber": 40, "kCGWindowBounds": {"X": 1400, "Y": 0, "Width": 40, "Height": 24}},
    {"kCGWindowLayer": 0, "kCGWindowName": "main.py — timeforged", "kCGWindowOwnerName": "Code",
     "kCGWindowOwnerPID": 912, "kCGWindowNumber": 77,
     "kCGWindowBounds": {"X": 0, "Y": 25, "Width": 1440, "Height": 875}},
    {"kCGWindowLayer": 0, "kCGWindowName": "older window", "kCGWindowOwnerName": "Code",
     "kCGWindowOwnerPID": 912, "kCGWindowNumber": 70,
     "kCGWindowBounds": {"X": 0, "Y": 25, "Width": 800, "Height": 600}},
]
CODE = {"name": "Code", "pid": 912, "bundle": "com.microsoft.VSCode",
        "exe": "/Applications/Visual Studio Code.app/Contents/MacOS/Electron"}


def test_macos_front_window_title():
    info = build_info(CODE, QUARTZ_WINDOWS, (1440, 900))
    assert (info.app, info.title, info.pid) == ("Code", "main.py — timeforged", 912)
    assert info.process_name == "Electron" and info.wm_class == "com.microsoft.VSCode"
    assert info.warning is None and info.fullscreen is False


def test_macos_without_screen_recording_permission():
    # Without the permission macOS leaves kCGWindowName out of other apps' windows.
    withheld = [{k: v for k, v in w.items() if k != "kCGWindowName"} for w in QUARTZ_WINDOWS]
    info = build_info(CODE, withheld, (1440, 900))
    assert info.title is None and info.app == "Code"
    assert info.warning == NO_TITLE_WARNING


def test_macos_fullscreen_and_windowless_app():
    full = [{"kCGWindowLayer": 0, "kCGWindowName": "Keynote", "kCGWindowOwnerPID": 5,
             "kCGWindowBounds": {"X": 0, "Y": 0, "Width": 1440, "Height": 900}}]
    assert build_info({"name": "Keynote", "pid": 5}, full, (1440, 900)).fullscreen
    finder = build_info({"name": "Finder", "pid": 99}, QUARTZ_WINDOWS, (1440, 900))
    assert finder.title is None and finder.warning is None  # no window: nothing withheld
    assert front_window(QUARTZ_WINDOWS, 401) is None  # menu-bar layer is not a window


def test_windows_app_names_and_fullscreen():
    assert app_name(r"C:\Program Files\Microsoft VS Code\Code.exe", "Code.exe") == "Code"
    assert app_name(None, "WindowsTerminal.exe") == "WindowsTerminal"
    assert app_name(None, None) is None
    monitor = Rect(0, 0, 1920, 1080)
    assert is_fullscreen(Rect(0, 0, 1920, 1080), monitor)
    assert not is_fullscreen(Rect(-8, -8, 1928, 1040), monitor)  # maximized: taskbar shows
    assert is_fullscreen(Rect(1920, 0, 3840, 1080), Rect(1920, 0, 3840, 1080))


def test_windows_uwp_host_resolution():
    assert uwp_app_pid(100, [100, 0, 2345]) == 2345
    assert uwp_app_pid(100, [100]) == 100


def test_windows_info_from_recorded_values():
    info = win_info("Untitled - Notepad", os.getpid(), Rect(0, 0, 800, 600),
                    Rect(0, 0, 1920, 1080), (r"C:\Windows\System32\notepad.exe", "notepad.exe"))
    assert (info.app, info.title, info.pid) == ("notepad", "Untitled - Notepad", os.getpid())
    assert info.source == "window.win32" and not info.fullscreen
    assert win_info("", 0, None, None, (None, None)).title is None
