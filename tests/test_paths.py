"""TimeForged's data folder on Linux, found without platformdirs, is the one platformdirs
gives (issue 21: `paths` does not import it on Linux)."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from desktop.engine import paths

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG rule")


@pytest.mark.parametrize("xdg", [None, "", "relative/data", "/srv/data/", "/srv/da ta"])
def test_the_data_folder_is_platformdirs_one(xdg, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    expected = Path(platformdirs.user_data_dir(paths.APP_NAME, appauthor=False))
    assert paths.user_data_dir() == expected


def test_home_is_made_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("TIMEFORGED_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert paths.home() == tmp_path / "data" / "TimeForged"
    assert paths.home().is_dir()
