"""Loading the user's config and rules together (or the config alone, for what needs no rules:
`timeforged now`), falling back to defaults with a warning."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop.engine import paths
from desktop.engine.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from desktop.engine.rules import Rules


def load_settings(home: Path) -> tuple[Config, Rules, list[str]]:
    """Config and rules from `home`; a broken file gives a warning and its defaults, never a
    crash (the tray app and `track` must keep running)."""
    from desktop.engine.rules import Rules, RulesError

    config, warnings = load_config_or_defaults(home)
    tracking = config.tracking
    try:
        rules = Rules.load(paths.rules_file(home), excluded_apps=tracking.excluded_apps,
                           excluded_titles=tracking.excluded_titles,
                           redact_titles=tracking.redact_titles)
    except RulesError as exc:
        warnings.append(f"rules: {exc}; using the default rules")
        rules = Rules.load(None)
    return config, rules, warnings


def load_config_or_defaults(home: Path) -> tuple[Config, list[str]]:
    """The config alone (for what needs no rules, `timeforged now`), as `load_settings` reads
    it: a broken file gives a warning and the defaults."""
    try:
        return load_config(paths.config_file(home)), []
    except ConfigError as exc:
        return Config(), [f"config: {exc}; running on defaults"]
