"""Files the desktop remembers as recently opened, to give a bare file name in an editor's
title ("handler.go - Pluma") its full path: GTK's `recently-used.xbel` (every GTK app records
the files it opens there) and KDE's `RecentDocuments/*.desktop`. Read again only when they
change (checked every few seconds, never parsed per poll)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

RECHECK = 5.0


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"))


def file_of(uri: str) -> str | None:
    """The local path of a file:// URI, or None."""
    parts = urlsplit(uri.strip())
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return unquote(parts.path) or None


def _epoch(text: str | None) -> float:
    try:
        return datetime.fromisoformat(text or "").timestamp()
    except ValueError:
        return 0.0


def read_xbel(path: Path) -> Iterator[tuple[float, str]]:
    """(time last modified or visited, local path) of each bookmark in an XBEL file."""
    if not path.is_file():
        return
    import xml.etree.ElementTree as ET  # ~2 ms of a start: only where there is a file to read

    try:
        for _, element in ET.iterparse(path, events=("end",)):
            if element.tag == "bookmark":
                local = file_of(element.get("href", ""))
                if local:
                    yield max(_epoch(element.get("modified")), _epoch(element.get("visited"))), \
                        local
                element.clear()
    except (ET.ParseError, OSError):
        return


def read_kde(folder: Path) -> Iterator[tuple[float, str]]:
    """(modification time, local path) of KDE's recent documents (`URL[$e]=file:///...`)."""
    try:
        entries = list(folder.glob("*.desktop"))
    except OSError:
        return
    for entry in entries:
        try:
            lines = entry.read_text("utf-8", "replace").splitlines()
            stamp = entry.stat().st_mtime
        except OSError:
            continue
        for line in lines:
            key, _, value = line.partition("=")
            if key.strip() in ("URL", "URL[$e]"):
                local = file_of(os.path.expanduser(value))
                if local:
                    yield stamp, local


class RecentFiles:
    def __init__(self, home: Path | None = None) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._checked = -float("inf")
        self._stamp: tuple = ()
        self._by_name: dict[str, list[str]] = {}

    def _sources(self) -> tuple[Path, Path]:
        base = self.home or data_home()
        return base / "recently-used.xbel", base / "RecentDocuments"

    def _refresh(self) -> dict[str, list[str]]:
        with self._lock:
            now = time.monotonic()
            if now - self._checked < RECHECK:
                return self._by_name
            self._checked = now
            xbel, kde = self._sources()
            stamp = tuple(_mtime(p) for p in (xbel, kde))
            if stamp != self._stamp:
                self._stamp = stamp
                found = sorted([*read_xbel(xbel), *read_kde(kde)], reverse=True)  # newest first
                by_name: dict[str, list[str]] = {}
                for _, path in found:
                    paths = by_name.setdefault(os.path.basename(path), [])
                    if path not in paths:
                        paths.append(path)
                self._by_name = by_name
            return self._by_name

    def path_for(self, name: str) -> str | None:
        """The most recently opened existing file called `name`, if the desktop knows one."""
        for path in self._refresh().get(name, ()):
            if os.path.isfile(path):
                return path
        return None


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


RECENT_FILES = RecentFiles()
