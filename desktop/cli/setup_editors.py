"""`timeforged setup-editors`: point every WakaTime plugin at TimeForged's local API.

Edits ~/.wakatime.cfg ($WAKATIME_HOME/.wakatime.cfg when set) line by line: only `api_url`
and `api_key` in [settings] change; comments, other settings and line endings stay as they
were. The old file is backed up first; running it again changes nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.cli.context import console
from desktop.engine import paths
from desktop.engine.api.security import KEY_FILE, is_valid_key, load_or_create_key
from desktop.engine.config import Config, ConfigError, load_config

_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
_OPTION = re.compile(r"^(?P<key>[^\s=:#;][^=:]*?)\s*[=:]\s*(?P<value>.*?)\s*$")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup-editors", help="point the WakaTime plugins of your editors at "
                       "TimeForged (writes api_url and api_key in ~/.wakatime.cfg)",
                       description=__doc__)
    p.add_argument("--port", type=int, help="the local API's port (default: from the config)")
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="the WakaTime config to edit (default: ~/.wakatime.cfg)")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.set_defaults(func=run)


def wakatime_config_path() -> Path:
    base = os.environ.get("WAKATIME_HOME")
    return (Path(base).expanduser() if base else Path.home()) / ".wakatime.cfg"


@dataclass
class Edit:
    text: str
    old: dict[str, str]  # the previous values of the keys we set


def set_settings(text: str, values: dict[str, str]) -> Edit:
    """`text` with `values` set in its [settings] section, everything else untouched."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    old: dict[str, str] = {}
    todo = dict(values)
    section: str | None = None
    settings_header: int | None = None
    skipping = False  # dropping the continuation lines of a value we replaced
    for line in lines:
        body = line.rstrip("\r\n")
        if skipping and body[:1] in (" ", "\t") and body.strip():
            continue
        skipping = False
        header = _SECTION.match(body)
        if header:
            if section == "settings" and todo:
                _insert(out, todo, newline)
            section = header.group("name").strip()
            if section == "settings" and settings_header is None:
                settings_header = len(out)
            out.append(line)
            continue
        option = _OPTION.match(body) if section == "settings" else None
        if option and option.group("key").strip().lower() in values:
            key = option.group("key").strip().lower()
            old.setdefault(key, option.group("value"))
            if key in todo:
                ending = line[len(body):] or newline
                out.append(f"{option.group('key').strip()} = {todo.pop(key)}{ending}")
            skipping = True  # a second copy of the key, or continuation lines: dropped
            continue
        out.append(line)
    if todo:
        if section == "settings":
            _insert(out, todo, newline)
        else:
            if out and not out[-1].endswith(("\n", "\r")):
                out[-1] += newline
            if out and out[-1].strip():
                out.append(newline)
            out.append(f"[settings]{newline}")
            out.extend(f"{k} = {v}{newline}" for k, v in todo.items())
        todo.clear()
    return Edit("".join(out), old)


def _insert(out: list[str], todo: dict[str, str], newline: str) -> None:
    """Add the keys still to set at the end of the section being closed (before its trailing
    blank lines and comments)."""
    at = len(out)
    while at > 0 and (not out[at - 1].strip() or out[at - 1].lstrip().startswith(("#", ";"))) \
            and not _SECTION.match(out[at - 1].rstrip("\r\n")):
        at -= 1
    if at > 0 and not out[at - 1].endswith(("\n", "\r")):
        out[at - 1] += newline
    out[at:at] = [f"{k} = {v}{newline}" for k, v in todo.items()]
    todo.clear()


def _is_ours(url: str | None) -> bool:
    return bool(url) and bool(re.match(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/", url or ""))


def _key(home: Path, current: Edit) -> str:
    """TimeForged's key; on a fresh home, the key an earlier setup left in the cfg."""
    previous = current.old.get("api_key", "").strip()
    if not (home / KEY_FILE).exists() and _is_ours(current.old.get("api_url")) and \
            is_valid_key(previous):
        (home / KEY_FILE).write_text(previous + "\n")
        os.chmod(home / KEY_FILE, 0o600)
    return load_or_create_key(home)


def run(args: argparse.Namespace) -> int:
    home = paths.home()
    port = args.port
    if port is None:
        try:
            port = load_config(paths.config_file(home)).api.port
        except ConfigError:
            port = Config().api.port
    path = args.config or wakatime_config_path()
    original = path.read_text(encoding="utf-8") if path.exists() else ""
    api_url = f"http://127.0.0.1:{port}/api/v1"
    probe = set_settings(original, {"api_url": api_url, "api_key": ""})
    key = _key(home, probe) if not args.dry_run else (
        (home / KEY_FILE).read_text().strip() if (home / KEY_FILE).exists() else "<new key>")
    edit = set_settings(original, {"api_url": api_url, "api_key": key})
    shown = f"{key[:8]}…{key[-4:]}" if len(key) > 12 else key
    if edit.text == original:
        console.print(f"{path} already points at TimeForged ({api_url}, key {shown}); "
                      "nothing changed.", highlight=False, markup=False)
        return 0
    if args.dry_run:
        console.print(f"Would set in [settings] of {path}: api_url = {api_url}, "
                      f"api_key = {shown}", highlight=False, markup=False)
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        backup = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bak")
        shutil.copy2(path, backup)
        console.print(f"Backed up {path} to {backup}", highlight=False, markup=False)
    tmp = path.with_name(f".{path.name}.timeforged-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(edit.text)
    os.replace(tmp, path)
    for name, value in (("api_url", api_url), ("api_key", shown)):
        before = edit.old.get(name)
        change = f"(was {before})" if before and name == "api_url" and before != value else (
            "(replaced)" if before and name == "api_key" and before != key else "")
        console.print(f"Set {name} = {value} {change}".rstrip(), highlight=False, markup=False)
    console.print(f"in [settings] of {path}. Your other settings and comments are unchanged.\n"
                  "Editors with a WakaTime plugin (Vim, Neovim, VS Code, Sublime, JetBrains...) "
                  "now report to TimeForged while the app or `timeforged track` runs; restart "
                  "them to pick up the change. See docs/editors.md.", highlight=False, markup=False)
    return 0
