"""`timeforged doctor` as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_doctor_reports_every_check_ok(tf_home):
    env = {"TIMEFORGED_HOME": tf_home, "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "doctor", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {c["name"]: c for c in json.loads(done.stdout)}
    assert set(checks) == {"Qt X11 libraries", "collation", "legacy codecs", "locale case mapping",
                           "time zone names", "keyring backend", "secret service encryption"}
    assert all(c["ok"] for c in checks.values()), checks
    assert checks["time zone names"]["detail"] == "Central European Standard Time"


def test_missing_xcb_library_named_with_its_package():
    """The check pointed at a library that is absent: the lookup says so for one."""
    from desktop.engine.checks import can_load, missing_xcb_libraries, xcb_libraries

    assert can_load("libxcb-cursor-absent.so.9") is False  # the real loader, a real absence
    absent = {"libxcb-cursor.so.0"}

    def lookup(soname: str) -> bool:
        return soname not in absent and can_load(soname)

    assert missing_xcb_libraries(lookup) == {"libxcb-cursor.so.0": "libxcb-cursor0"}
    check = xcb_libraries(lookup)
    assert not check.ok
    assert check.detail == (
        "Qt cannot open windows on X11 because libxcb-cursor.so.0 is missing: install "
        "libxcb-cursor0 (sudo apt install libxcb-cursor0; xcb-util-cursor on Fedora and Arch).")
    assert xcb_libraries().ok  # all there on this machine


def _hidden_library_prefix(soname: str) -> list[str]:
    """A command prefix running its command with `soname` unloadable (an empty file bound over
    it in a private mount namespace): the machine itself keeps the library."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    path = next((p for p in (Path(d) / soname for d in LIB_DIRS) if p.exists()), None)
    if path is None:
        pytest.skip(f"{soname} is not installed here")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no user namespaces here: {probe.stderr.decode().strip()}")
    return ["unshare", "-rm", "sh", "-c", f'mount --bind /dev/null "{path.resolve()}" && '
            'exec "$@"', "hide"]


LIB_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
            "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu")


def test_app_and_doctor_without_libxcb_cursor(x_session, tf_home):
    """A real missing library: Qt alone aborts with its plugin list; `timeforged` says which
    package to install, in one sentence, and `timeforged doctor` fails that check."""
    hide = _hidden_library_prefix("libxcb-cursor.so.0")
    env = dict(x_session.env, TIMEFORGED_HOME=tf_home, QT_QPA_PLATFORM="xcb")
    qt = subprocess.run([*hide, sys.executable, "-c", "from PySide6.QtWidgets import "
                         "QApplication; QApplication([])"], env=env, capture_output=True,
                        text=True, timeout=60)
    assert qt.returncode != 0 and "xcb" in qt.stderr  # what the user saw before

    app = subprocess.run([*hide, sys.executable, "-m", "desktop.cli", "app"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert app.returncode == 1
    assert app.stderr.strip().splitlines() == [
        "error: Qt cannot open windows on X11 because libxcb-cursor.so.0 is missing: install "
        "libxcb-cursor0 (sudo apt install libxcb-cursor0; xcb-util-cursor on Fedora and "
        "Arch)."]

    doctor = subprocess.run([*hide, sys.executable, "-m", "desktop.cli", "doctor", "--json"],
                            env=dict(env, QT_QPA_PLATFORM="offscreen"), capture_output=True,
                            text=True, timeout=120)
    assert doctor.returncode == 1
    checks = {c["name"]: c for c in json.loads(doctor.stdout)}
    assert not checks["Qt X11 libraries"]["ok"]
    assert "install libxcb-cursor0" in checks["Qt X11 libraries"]["detail"]
