import pytest

from watchers.display import current_desktop, detect_session, is_wlroots


@pytest.mark.parametrize(("env", "platform", "expected"), [
    ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11", "XDG_CURRENT_DESKTOP": "GNOME"}, "linux",
     "x11"),
    ({"DISPLAY": ":0"}, "linux", "x11"),
    ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland",
      "XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}, "linux", "wayland-gnome"),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "KDE"}, "linux", "wayland-kde"),
    ({"XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "sway:wlroots"}, "linux",
     "wayland-sway"),
    ({"WAYLAND_DISPLAY": "wayland-1", "HYPRLAND_INSTANCE_SIGNATURE": "abc"}, "linux",
     "wayland-hyprland"),
    ({"WAYLAND_DISPLAY": "wayland-1"}, "linux", "wayland"),
    ({"XDG_SESSION_TYPE": "tty"}, "linux", "none"),
    ({}, "linux", "none"),
    ({}, "win32", "windows"),
    ({"DISPLAY": ":0"}, "darwin", "macos"),
])
def test_detect_session(env, platform, expected):
    assert detect_session(env, platform) == expected


def test_desktop_names():
    assert current_desktop({"XDG_CURRENT_DESKTOP": "Unity:Unity7:ubuntu"}) == "ubuntu"
    assert current_desktop({"XDG_CURRENT_DESKTOP": "X-Cinnamon"}) == "x-cinnamon"
    assert current_desktop({"SWAYSOCK": "/run/user/1000/sway-ipc.sock"}) == "sway"
    assert is_wlroots("wayland-river") and not is_wlroots("wayland-gnome")
