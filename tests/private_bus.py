"""A private D-Bus session bus (a dbus-daemon of our own) for tests of D-Bus clients."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def private_session_bus(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Start a dbus-daemon listening in `folder` and point DBUS_SESSION_BUS_ADDRESS at it
    (skips when dbus-daemon is missing); its address. Stopped by its pid at the end."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is missing")
    address = f"unix:path={folder}/bus"
    done = subprocess.run(["dbus-daemon", "--session", f"--address={address}", "--fork",
                           "--print-pid"], capture_output=True, text=True, check=True)
    pid = int(done.stdout.split()[0])
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    try:
        yield address
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)
