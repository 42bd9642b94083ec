"""`timeforged setup-editors`: point every WakaTime plugin at TimeForged's local API.

Edits ~/.wakatime.cfg ($WAKATIME_HOME/.wakatime.cfg when set) line by line: only `api_url`
and `api_key` in [settings] change; comments, other settings and line endings stay as they
were. The old file is backed up first; running it again changes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.cli.context import console
from desktop.engine import paths
from desktop.engine.config import Config, ConfigError, load_config
from desktop.engine.editors import point_editors


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup-editors", help="point the WakaTime plugins of your editors at "
                       "TimeForged (writes api_url and api_key in ~/.wakatime.cfg)",
                       description=__doc__)
    p.add_argument("--port", type=int, help="the local API's port (default: from the config)")
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="the WakaTime config to edit (default: ~/.wakatime.cfg)")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = paths.home()
    port = args.port
    if port is None:
        try:
            port = load_config(paths.config_file(home)).api.port
        except ConfigError:
            port = Config().api.port
    done = point_editors(home, port, args.config, dry_run=args.dry_run)
    path, api_url, shown, edit = done.path, done.api_url, done.shown_key, done.edit
    if not done.changed:
        console.print(f"{path} already points at TimeForged ({api_url}, key {shown}); "
                      "nothing changed.", highlight=False, markup=False)
        return 0
    if args.dry_run:
        console.print(f"Would set in [settings] of {path}: api_url = {api_url}, "
                      f"api_key = {shown}", highlight=False, markup=False)
        return 0
    if done.backup is not None:
        console.print(f"Backed up {path} to {done.backup}", highlight=False, markup=False)
    for name, value in (("api_url", api_url), ("api_key", shown)):
        before = edit.old.get(name)
        change = f"(was {before})" if before and name == "api_url" and before != value else (
            "(replaced)" if before and name == "api_key" and before != done.key else "")
        console.print(f"Set {name} = {value} {change}".rstrip(), highlight=False, markup=False)
    console.print(f"in [settings] of {path}. Your other settings and comments are unchanged.\n"
                  "Editors with a WakaTime plugin (Vim, Neovim, VS Code, Sublime, JetBrains...) "
                  "now report to TimeForged while the app or `timeforged track` runs; restart "
                  "them to pick up the change. See docs/editors.md.", highlight=False, markup=False)
    return 0
