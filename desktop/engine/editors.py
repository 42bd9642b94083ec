"""Pointing every WakaTime plugin at TimeForged's local API (`timeforged setup-editors`, and
Settings → Editors when the API moves to another port).

Edits ~/.wakatime.cfg ($WAKATIME_HOME/.wakatime.cfg when set) line by line: only `api_url`
and `api_key` in [settings] change; comments, other settings and line endings stay as they
were. The old file is backed up first; doing it again changes nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.engine.api.security import KEY_FILE, is_valid_key, load_or_create_key

_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
_OPTION = re.compile(r"^(?P<key>[^\s=:#;][^=:]*?)\s*[=:]\s*(?P<value>.*?)\s*$")


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


@dataclass(frozen=True)
class Pointing:
    """What pointing the editors did (or, dry, would do) to `path`."""

    path: Path
    api_url: str
    key: str
    edit: Edit
    changed: bool
    backup: Path | None = None

    @property
    def shown_key(self) -> str:
        return f"{self.key[:8]}…{self.key[-4:]}" if len(self.key) > 12 else self.key


def point_editors(home: Path, port: int, path: Path | None = None, *,
                  dry_run: bool = False) -> Pointing:
    """Set api_url (127.0.0.1:`port`) and TimeForged's key in the WakaTime config at `path`
    (default: `wakatime_config_path()`), backing the old file up; atomic."""
    path = path or wakatime_config_path()
    original = path.read_text(encoding="utf-8") if path.exists() else ""
    api_url = f"http://127.0.0.1:{port}/api/v1"
    probe = set_settings(original, {"api_url": api_url, "api_key": ""})
    key = _key(home, probe) if not dry_run else (
        (home / KEY_FILE).read_text().strip() if (home / KEY_FILE).exists() else "<new key>")
    edit = set_settings(original, {"api_url": api_url, "api_key": key})
    changed = edit.text != original
    if dry_run or not changed:
        return Pointing(path, api_url, key, edit, changed)
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if path.exists():
        backup = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bak")
        shutil.copy2(path, backup)
    tmp = path.with_name(f".{path.name}.timeforged-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(edit.text)
    os.replace(tmp, path)
    return Pointing(path, api_url, key, edit, True, backup)
