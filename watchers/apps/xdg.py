"""Linux (and the BSDs): applications as their `.desktop` entries describe them.

Entries are read from every XDG data dir's `applications/` folder (the user's first), and from
Flatpak's and Snap's export folders, with pyxdg. An entry's `Categories` and `MimeType` say
what the app is: `TerminalEmulator` a terminal; `WebBrowser`, or handling http(s) links, a
browser; `TextEditor` or `IDE`, or `Development` with `text/*` files, an editor. Console
programs (`Terminal=true`) run inside a terminal, whose window is the terminal's, and are left
out. A window is matched by its `StartupWMClass`, the desktop file id (a Wayland app id), or
the program its `Exec=` runs.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from pathlib import Path

from watchers.apps import KnownApp, ScannedIndex

_EXPORTS = ("/var/lib/flatpak/exports/share", "~/.local/share/flatpak/exports/share",
            "/var/lib/snapd/desktop")
_RUNNERS = {"env", "flatpak", "snap", "gtk-launch", "dbus-launch", "nice", "ionice"}


def data_dirs() -> list[str]:
    """The XDG data dirs, the user's first (as pyxdg's BaseDirectory.xdg_data_dirs, which
    costs ~3 ms of a start to import)."""
    home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    others = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    return [d for d in [home, *others.split(":")] if d]


def application_dirs() -> list[Path]:
    """Where `.desktop` entries live, most specific first."""
    out: list[Path] = []
    for base in [*data_dirs(), *_EXPORTS]:
        folder = Path(os.path.expanduser(base)) / "applications"
        if folder not in out:
            out.append(folder)
    return out


def kind_of(categories: list[str], mime_types: list[str]) -> str | None:
    """Editor, browser or terminal, from an entry's categories and MIME types."""
    cats = {c.strip() for c in categories}
    mimes = {m.strip().lower() for m in mime_types}
    if "TerminalEmulator" in cats:
        return "terminal"
    if "WebBrowser" in cats or {"x-scheme-handler/http", "x-scheme-handler/https"} & mimes:
        return "browser"
    if cats & {"TextEditor", "IDE"}:
        return "editor"
    if "Development" in cats and any(m.startswith("text/") for m in mimes):
        return "editor"
    return None


def program_of(command: str) -> str | None:
    """The program an `Exec=` line runs: past `env VAR=...`, and the app id of
    `flatpak run ... org.app.Id` or `snap run name`."""
    try:
        words = [w for w in shlex.split(command) if not w.startswith("%")]
    except ValueError:
        return None
    while words:
        word = os.path.basename(words[0])
        if word in ("flatpak", "snap") and len(words) > 1 and words[1] == "run":
            rest = [w for w in words[2:] if not w.startswith("-")]
            return rest[0] if rest else None
        if word in _RUNNERS or "=" in words[0] or words[0].startswith("-"):
            words = words[1:]
            continue
        return word
    return None


def _entries(folder: Path, prefix: str = "") -> Iterator[tuple[str, Path]]:
    """(desktop file id, path) in `folder`, subfolders giving "sub-name.desktop" ids."""
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return
    for child in children:
        if child.is_dir():
            yield from _entries(child, f"{prefix}{child.name}-")
        elif child.suffix == ".desktop":
            yield prefix + child.name, child


def read_entry(file_id: str, path: Path) -> KnownApp | None:
    """The editor, browser or terminal an entry describes, or None."""
    from xdg.DesktopEntry import DesktopEntry
    from xdg.Exceptions import ParsingError

    try:
        entry = DesktopEntry(str(path))
    except (ParsingError, OSError, UnicodeDecodeError, ValueError):
        return None
    if entry.getType() != "Application" or entry.getHidden() or entry.getTerminal():
        return None
    kind = kind_of(entry.getCategories(), entry.getMimeTypes())
    if kind is None:
        return None
    app_id = file_id.removesuffix(".desktop")
    names = {app_id.lower(), app_id.rsplit(".", 1)[-1].lower()}
    titles = [entry.getName()]
    for raw in (entry.getStartupWMClass(), program_of(entry.getExec()),
                program_of(entry.getTryExec())):
        if raw:
            names.add(raw.lower())
            titles.append(raw)
    names.discard("")
    return KnownApp(kind, entry.getName() or app_id, frozenset(names),
                    tuple(dict.fromkeys(t for t in titles if t)), "desktop", str(path))


class DesktopIndex(ScannedIndex):
    def __init__(self, dirs: list[Path] | None = None, recheck: float = 30.0) -> None:
        super().__init__(recheck)
        self.dirs = dirs

    def _dirs(self) -> list[Path]:
        return self.dirs if self.dirs is not None else application_dirs()

    def stamp(self) -> object:
        out = []
        for folder in self._dirs():
            for path in (folder, *(p for p in _subdirs(folder))):
                try:
                    out.append((str(path), path.stat().st_mtime_ns))
                except OSError:
                    continue
        return tuple(out)

    def scan(self) -> list[KnownApp]:
        seen: set[str] = set()
        apps = []
        for folder in self._dirs():
            for file_id, path in _entries(folder):
                if file_id in seen:  # the user's own entry hides the system's
                    continue
                seen.add(file_id)
                app = read_entry(file_id, path)
                if app is not None:
                    apps.append(app)
        return apps


def _subdirs(folder: Path) -> Iterator[Path]:
    try:
        yield from (p for p in folder.iterdir() if p.is_dir())
    except OSError:
        return
