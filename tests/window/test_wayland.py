"""Wayland backends parsing recorded compositor answers (no Wayland compositor runs here)."""

from __future__ import annotations

import json
import os

import pytest

from watchers import gdbus
from watchers.window import WatcherUnavailable
from watchers.window.wayland import (
    GnomeShellWatcher,
    command_watcher,
    create_wayland_watcher,
    parse_hyprland,
    parse_sway_tree,
)

# `gdbus call ... org.gnome.shell.extensions.FocusedWindow.Get`, as printed (GVariant text).
FOCUSED_WINDOW_REPLY = (
    "('{\"title\":\"poller.py - timeforged - Visual Studio Code\",\"wm_class\":\"Code\","
    "\"wm_class_instance\":\"code\",\"pid\":PID,\"id\":2274918779,\"width\":1920,"
    "\"height\":1048,\"x\":0,\"y\":32,\"focus\":true,\"in_current_workspace\":true,"
    "\"moveable\":true,\"resizeable\":true,\"canclose\":true,\"canmaximize\":true,"
    "\"maximized\":3,\"canminimize\":true,\"display\":{},\"frame_type\":0,\"window_type\":0,"
    "\"layer\":2,\"monitor\":0,\"role\":\"browser-window\",\"area\":{},\"area_all\":{},"
    "\"area_cust\":{}}',)\n"
).replace("PID", str(os.getpid()))
# A title with an apostrophe: GVariant keeps single quotes and escapes it.
FOCUSED_WINDOW_QUOTE = ("('{\"title\":\"What\\'s new — Mozilla Firefox\",\"wm_class\":"
                        "\"firefox\",\"wm_class_instance\":\"Navigator\",\"pid\":0}',)\n")
WINDOW_CALLS_LIST = (
    "('[{\"in_current_workspace\":true,\"workspace\":0,\"wm_class\":\"org.gnome.Nautilus\","
    "\"wm_class_instance\":\"org.gnome.Nautilus\",\"title\":\"Home\",\"pid\":4242,"
    "\"id\":1397385211,\"frame_type\":0,\"window_type\":0,\"width\":900,\"height\":600,"
    "\"x\":10,\"y\":10,\"focus\":false},{\"in_current_workspace\":true,\"workspace\":0,"
    "\"wm_class\":\"kitty\",\"wm_class_instance\":\"kitty\",\"title\":\"nvim app.py\","
    "\"pid\":4343,\"id\":1397385212,\"frame_type\":0,\"window_type\":0,\"width\":900,"
    "\"height\":600,\"x\":10,\"y\":10,\"focus\":true}]',)\n"
)
WINDOW_CALLS_LIST_NO_TITLE = (
    "('[{\"in_current_workspace\":true,\"wm_class\":\"Emacs\",\"wm_class_instance\":\"emacs\","
    "\"pid\":77,\"id\":2205525109,\"frame_type\":0,\"window_type\":0,\"focus\":true}]',)\n"
)


class RecordedBus:
    """Answers gdbus calls from recorded outputs, parsed by the real GVariant reader."""

    def __init__(self, replies: dict[str, str]) -> None:
        self.replies, self.calls = replies, []

    def __call__(self, dest, path, method, *args):
        self.calls.append((dest, path, method, *args))
        if method not in self.replies:
            raise WatcherUnavailable(
                f"D-Bus call {method} failed: GDBus.Error:org.freedesktop.DBus.Error."
                "UnknownMethod: No such interface")
        return gdbus.parse_gvariant(self.replies[method])


def test_gvariant_text_reader():
    assert gdbus.parse_gvariant("(uint64 123456,)\n") == (123456,)
    assert gdbus.parse_gvariant("('a\\'b \\u00e9 \\\\ \"q\"',)") == ("a'b é \\ \"q\"",)
    assert gdbus.parse_gvariant('("it\'s",)') == ("it's",)
    assert gdbus.parse_gvariant("([1, 2, 3], @as [], true, 1.5, -4)") == ([1, 2, 3], [], True,
                                                                          1.5, -4)
    assert gdbus.parse_gvariant("(objectpath '/a/b', 'x')") == ("/a/b", "x")
    with pytest.raises(ValueError):
        gdbus.parse_gvariant("('unterminated,)")


def test_gnome_focused_window_extension():
    bus = RecordedBus({"org.gnome.shell.extensions.FocusedWindow.Get": FOCUSED_WINDOW_REPLY})
    watcher = GnomeShellWatcher(bus)
    info = watcher.active_window()
    assert watcher.extension == "focused-window-dbus"
    assert info.app == "Code" and info.title == "poller.py - timeforged - Visual Studio Code"
    assert info.pid == os.getpid() and info.exe and info.process_name  # local process details
    assert info.source == "window.gnome"


def test_gnome_title_with_quote():
    bus = RecordedBus({"org.gnome.shell.extensions.FocusedWindow.Get": FOCUSED_WINDOW_QUOTE})
    info = GnomeShellWatcher(bus).active_window()
    assert info.title == "What's new — Mozilla Firefox" and info.pid is None


def test_gnome_nothing_focused():
    bus = RecordedBus({"org.gnome.shell.extensions.FocusedWindow.Get": "('{}',)\n"})
    assert GnomeShellWatcher(bus).active_window() is None


def test_gnome_window_calls_extension():
    bus = RecordedBus({"org.gnome.Shell.Extensions.Windows.List": WINDOW_CALLS_LIST})
    watcher = GnomeShellWatcher(bus)
    info = watcher.active_window()
    assert watcher.extension == "window-calls"
    assert (info.app, info.title) == ("kitty", "nvim app.py")


def test_gnome_window_calls_without_title_in_list():
    bus = RecordedBus({"org.gnome.Shell.Extensions.Windows.List": WINDOW_CALLS_LIST_NO_TITLE,
                       "org.gnome.Shell.Extensions.Windows.GetTitle": "('*scratch* - GNU Emacs',)"})
    info = GnomeShellWatcher(bus).active_window()
    assert (info.app, info.title) == ("Emacs", "*scratch* - GNU Emacs")
    assert bus.calls[-1][2:] == ("org.gnome.Shell.Extensions.Windows.GetTitle", 2205525109)


def test_gnome_without_extension_says_what_to_install():
    with pytest.raises(WatcherUnavailable, match="timeforged setup-wayland"):
        create_wayland_watcher("wayland-gnome", call=RecordedBus({}))


def test_gnome_garbage_is_reported_not_recorded():
    bus = RecordedBus({"org.gnome.shell.extensions.FocusedWindow.Get": "('not json',)"})
    with pytest.raises(WatcherUnavailable, match="unreadable"):
        GnomeShellWatcher(bus).active_window()


SWAY_TREE = {
    "id": 1, "type": "root", "name": "root", "focused": False, "nodes": [
        {"id": 3, "type": "output", "name": "eDP-1", "focused": False, "nodes": [
            {"id": 4, "type": "workspace", "name": "1", "focused": False, "nodes": [
                {"id": 7, "type": "con", "name": "~/src/app — fish", "app_id": "foot",
                 "pid": 3131, "focused": False, "fullscreen_mode": 0, "nodes": []},
            ], "floating_nodes": [
                {"id": 9, "type": "floating_con", "name": "Slack | general", "app_id": None,
                 "pid": 3232, "focused": True, "fullscreen_mode": 1, "nodes": [],
                 "window_properties": {"class": "Slack", "instance": "slack",
                                       "title": "Slack | general"}},
            ]},
        ]},
    ],
}


def test_sway_tree():
    info = parse_sway_tree(SWAY_TREE, "window.sway")
    assert (info.app, info.title, info.fullscreen) == ("Slack", "Slack | general", True)
    unfocused = json.loads(json.dumps(SWAY_TREE).replace('"focused": true', '"focused": false'))
    assert parse_sway_tree(unfocused, "window.sway") is None


def test_hyprland_activewindow():
    data = {"address": "0x55d1c9f0", "mapped": True, "hidden": False, "at": [0, 0],
            "size": [2560, 1440], "workspace": {"id": 1, "name": "1"}, "floating": False,
            "monitor": 0, "class": "kitty", "title": "htop", "initialClass": "kitty",
            "initialTitle": "kitty", "pid": 2121, "xwayland": False, "pinned": False,
            "fullscreen": 2, "fullscreenClient": 0, "grouped": [], "swallowing": "0x0"}
    info = parse_hyprland(data, "window.hyprland")
    assert (info.app, info.title, info.fullscreen) == ("kitty", "htop", True)
    assert parse_hyprland({}, "window.hyprland") is None


def test_command_watcher_runs_and_parses():
    out = json.dumps(SWAY_TREE)
    watcher = command_watcher("window.sway", ["/usr/bin/swaymsg", "-t", "get_tree", "-r"],
                              lambda text, src: parse_sway_tree(json.loads(text), src),
                              run=lambda args: out)
    assert watcher.active_window().app == "Slack"
    broken = command_watcher("window.sway", ["/usr/bin/swaymsg"],
                             lambda text, src: parse_sway_tree(json.loads(text), src),
                             run=lambda args: "{not json")
    with pytest.raises(WatcherUnavailable, match="unreadable answer from swaymsg"):
        broken.active_window()


@pytest.mark.parametrize(("session", "tools", "expected"), [
    ("wayland-sway", {"swaymsg"}, "window.sway"),
    ("wayland-hyprland", {"hyprctl"}, "window.hyprland"),
])
def test_backend_choice(session, tools, expected):
    def which(tool):
        return f"/usr/bin/{tool}" if tool in tools else None

    assert create_wayland_watcher(session, which=which, env={}).name == expected


@pytest.mark.parametrize(("session", "needs"), [
    ("wayland-kde", "KWin's scripting interface did not answer|D-Bus"),
    ("wayland-river", "WAYLAND_DISPLAY"),
    ("wayland-weston", "lets no program read the focused window"),
])
def test_unavailable_sessions_say_why(session, needs):
    with pytest.raises(WatcherUnavailable, match=needs) as err:
        create_wayland_watcher(session, which=lambda tool: None, env={})
    assert str(err.value).startswith("window titles are unavailable on this Wayland session")


def test_kwin_script_report():
    from watchers.window.kwin import parse_report

    info = parse_report(json.dumps({"caption": "main.rs - Kate", "resourceClass": "org.kde.kate",
                                    "resourceName": "kate", "pid": os.getpid(),
                                    "fullscreen": True}), "window.kwin-script")
    assert (info.app, info.title, info.pid, info.fullscreen) == (
        "org.kde.kate", "main.rs - Kate", os.getpid(), True)
    assert parse_report("{}", "window.kwin-script") is None
