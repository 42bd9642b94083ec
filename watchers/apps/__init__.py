"""What kind of app a window belongs to, from what the system says about it.

Every platform describes its installed applications: Linux in `.desktop` entries (`xdg`),
macOS in each bundle's `Info.plist` (`macos`), Windows in the registry (`windows`). Each
module builds an index of the editors, browsers and terminals found there, once and again
when the places it reads change, and answers `find(names)` for the names a window goes by
(WM class, app id, process, executable). The tables in `watchers.editors`, `browsers` and
`terminals` stay as overrides for apps whose quirks the system does not describe.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Protocol

from watchers.records import Frozen

KINDS = ("editor", "browser", "terminal")


class KnownApp(Frozen):
    __slots__ = ("kind", "name", "names", "titles", "source", "origin")  # noqa: RUF023

    kind: str  # one of KINDS
    name: str  # as the system names it ("Geany", "Falkon")
    names: frozenset[str]  # lower-case names its windows may go by
    titles: tuple[str, ...]  # names its window titles may end with
    source: str  # "desktop" (Linux), "plist" (macOS), "registry" (Windows)
    origin: str  # where: the entry's file, the bundle, the registry key

    def __init__(self, kind: str, name: str, names: frozenset[str], titles: tuple[str, ...],
                 source: str, origin: str) -> None:
        set_ = object.__setattr__
        set_(self, "kind", kind)
        set_(self, "name", name)
        set_(self, "names", names)
        set_(self, "titles", titles)
        set_(self, "source", source)
        set_(self, "origin", origin)


class AppIndex(Protocol):
    def find(self, names: Iterable[str]) -> KnownApp | None:
        """The app known by the first of `names` (lower case) the index has."""

    def installed(self) -> list[KnownApp]:
        """Every editor, browser and terminal found, by name."""


class ScannedIndex:
    """An index built by `scan()` and built again when `stamp()` (cheap: the modification
    times of the places scanned) changes, looked at no more than every `recheck` seconds."""

    def __init__(self, recheck: float = 30.0) -> None:
        self.recheck = recheck
        self._lock = threading.Lock()
        self._apps: list[KnownApp] = []
        self._by_name: dict[str, KnownApp] = {}
        self._stamp: object = None
        self._checked = -float("inf")

    def scan(self) -> Sequence[KnownApp]:
        raise NotImplementedError

    def stamp(self) -> object:
        raise NotImplementedError

    def _current(self) -> dict[str, KnownApp]:
        with self._lock:
            now = time.monotonic()
            if now - self._checked >= self.recheck:
                self._checked = now
                stamp = self.stamp()
                if stamp != self._stamp:
                    self._stamp = stamp
                    self._apps = sorted(self.scan(), key=lambda a: (a.kind, a.name.lower()))
                    self._by_name = {}
                    for app in self._apps:
                        for name in app.names:
                            self._by_name.setdefault(name, app)
            return self._by_name

    def find(self, names: Iterable[str]) -> KnownApp | None:
        by_name = self._current()
        for name in names:
            found = by_name.get(name)
            if found is not None:
                return found
        return None

    def installed(self) -> list[KnownApp]:
        self._current()
        return list(self._apps)


class _Empty:
    def find(self, names: Iterable[str]) -> KnownApp | None:
        return None

    def installed(self) -> list[KnownApp]:
        return []


_INDEX: AppIndex | None = None


def app_index() -> AppIndex:
    """This platform's index (built on first use)."""
    global _INDEX
    if _INDEX is None:
        if sys.platform == "darwin":
            from watchers.apps.macos import BundleIndex
            _INDEX = BundleIndex()
        elif sys.platform == "win32":
            from watchers.apps.windows import RegistryIndex
            _INDEX = RegistryIndex()
        elif sys.platform.startswith(("linux", "freebsd", "openbsd")):
            from watchers.apps.xdg import DesktopIndex
            _INDEX = DesktopIndex()
        else:
            _INDEX = _Empty()
    return _INDEX
