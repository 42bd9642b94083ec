"""What the read-side commands open: config, rules, the store and analytics on TIMEFORGED_HOME;
and `console`, `errors`: rich consoles for stdout and stderr, made (and rich loaded) when a
command first imports them."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.engine import paths
from desktop.engine.analytics import Analytics
from desktop.engine.config import Config
from desktop.engine.rules import Rules
from desktop.engine.settings import load_settings
from desktop.engine.store import Store, StoreError
from desktop.engine.store.db import read_only_copy

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    console: Console
    errors: Console


@functools.cache
def _consoles() -> dict[str, Console]:
    from rich.console import Console

    return {"console": Console(), "errors": Console(stderr=True)}


def __getattr__(name: str) -> Console:
    if name in ("console", "errors"):
        return _consoles()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class CliError(Exception):
    """A message for the user; the command exits with status 2."""


class Context:
    """What a read-side command works with; `scratch`: where a read-only database's copy
    lives."""

    __slots__ = ("analytics", "config", "home", "rules", "scratch", "store")

    def __init__(self, home: Path, config: Config, rules: Rules, store: Store,
                 analytics: Analytics, scratch: Path | None = None) -> None:
        self.home, self.config, self.rules, self.store = home, config, rules, store
        self.analytics, self.scratch = analytics, scratch

    def close(self) -> None:
        self.store.close()
        if self.scratch is not None:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)


def _warn(text: str) -> None:
    _consoles()["errors"].print(f"[yellow]warning:[/] {text}")


def _upgrading(path: Path) -> Callable[[int, int], None]:
    """Tells, on stderr, that an older file is being upgraded (the command waits for it)."""

    def say(found: int, new: int) -> None:
        sys.stderr.write(f"Upgrading the history in {path} to this version's format "
                         f"(schema {found} -> {new}; once, a long history takes a minute) ...\n")
        sys.stderr.flush()
    return say


def open_context(*, read_only: bool = False) -> Context:
    """Settings, store and analytics. A command that only reads (`read_only`) still works
    when the database cannot be written (a read-only medium or folder): it reads a copy."""
    home = paths.home()
    config, rules, warnings = load_settings(home)
    for warning in warnings:
        _warn(warning)
    path = paths.database_file(home)
    scratch = None
    try:
        store = Store(path, on_upgrade=_upgrading(path))
    except StoreError as exc:
        if not read_only or exc.kind != "unwritable" or not path.is_file():
            raise
        import shutil
        import tempfile

        scratch = Path(tempfile.mkdtemp(prefix="timeforged-ro-"))
        try:
            store = Store(read_only_copy(path, scratch))
        except StoreError:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        _warn(f"{path} cannot be written; reading it as it is (read-only), nothing is changed.")
    return Context(home, config, rules, store, Analytics(store, rules, config.zone()), scratch)
