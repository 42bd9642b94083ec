"""Where TimeForged keeps its files: $TIMEFORGED_HOME, or the platform's user data dir.

Each function takes an optional `base` (a home folder) so an engine can run on any folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "TimeForged"


def home() -> Path:
    """The folder holding config, rules and data; created if missing."""
    override = os.environ.get("TIMEFORGED_HOME")
    path = Path(override).expanduser() if override else Path(
        platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


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
