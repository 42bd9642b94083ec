from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.wakatime_cli import wakatime_cli  # noqa: F401  (a session fixture for every test)
from tests.xsession import XSession, start_session


@pytest.fixture(scope="session")
def x_session() -> Iterator[XSession]:
    """A private Xvfb + openbox for the whole test session; DISPLAY points at it."""
    session = start_session()
    saved = {k: os.environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    os.environ.update(DISPLAY=session.display, XDG_SESSION_TYPE="x11")
    os.environ.pop("WAYLAND_DISPLAY", None)
    try:
        yield session
    finally:
        session.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def tf_home(tmp_path, monkeypatch) -> str:
    """An empty TIMEFORGED_HOME for one test."""
    home = tmp_path / "tf-home"
    home.mkdir()
    monkeypatch.setenv("TIMEFORGED_HOME", str(home))
    return str(home)
