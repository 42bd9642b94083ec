"""Where TimeForged keeps its files: $TIMEFORGED_HOME, or the platform's user data dir.

Each function takes an optional `base` (a home folder) so an engine can run on any folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "TimeForged"


def home() -> Path:
    """The folder holding config, rules and data; created if missing."""
    override = os.environ.get("TIMEFORGED_HOME")
    path = Path(override).expanduser() if override else user_data_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_data_dir() -> Path:
    """The platform's data folder for TimeForged. On Linux the XDG rule, as platformdirs
    gives it (a relative $XDG_DATA_HOME is ignored), without importing platformdirs (issue 21:
    every command pays for what it imports); elsewhere (Windows, macOS, Android) platformdirs."""
    if sys.platform.startswith("linux") and not hasattr(sys, "getandroidapilevel"):
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = xdg if os.path.isabs(xdg) else os.path.expanduser("~/.local/share")
        return Path(base, APP_NAME)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_file(base: Path | None = None) -> Path:
    return (base or home()) / "config.toml"


def rules_file(base: Path | None = None) -> Path:
    return (base or home()) / "rules.toml"


def database_file(base: Path | None = None) -> Path:
    return (base or home()) / "timeforged.sqlite3"


def backups_dir(base: Path | None = None) -> Path:
    path = (base or home()) / "backups"
    path.mkdir(exist_ok=True)
    return path
