"""What the read-side commands open: config, rules, the store and analytics on TIMEFORGED_HOME."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from desktop.engine import paths
from desktop.engine.analytics import Analytics
from desktop.engine.config import Config
from desktop.engine.rules import Rules
from desktop.engine.settings import load_settings
from desktop.engine.store import Store

console = Console()
errors = Console(stderr=True)


class CliError(Exception):
    """A message for the user; the command exits with status 2."""


@dataclass
class Context:
    home: Path
    config: Config
    rules: Rules
    store: Store
    analytics: Analytics

    def close(self) -> None:
        self.store.close()


def open_context() -> Context:
    home = paths.home()
    config, rules, warnings = load_settings(home)
    for warning in warnings:
        errors.print(f"[yellow]warning:[/] {warning}")
    store = Store(paths.database_file(home))
    return Context(home, config, rules, store, Analytics(store, rules, config.zone()))
