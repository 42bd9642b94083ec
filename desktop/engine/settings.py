"""Loading the user's config and rules together, falling back to defaults with a warning."""

from __future__ import annotations

from pathlib import Path

from desktop.engine import paths
from desktop.engine.config import Config, ConfigError, load_config
from desktop.engine.rules import Rules, RulesError


def load_settings(home: Path) -> tuple[Config, Rules, list[str]]:
    """Config and rules from `home`; a broken file gives a warning and its defaults, never a
    crash (the tray app and `track` must keep running)."""
    warnings: list[str] = []
    try:
        config = load_config(paths.config_file(home))
    except ConfigError as exc:
        warnings.append(f"config: {exc}; running on defaults")
        config = Config()
    tracking = config.tracking
    try:
        rules = Rules.load(paths.rules_file(home), excluded_apps=tracking.excluded_apps,
                           excluded_titles=tracking.excluded_titles,
                           redact_titles=tracking.redact_titles)
    except RulesError as exc:
        warnings.append(f"rules: {exc}; using the default rules")
        rules = Rules.load(None)
    return config, rules, warnings
