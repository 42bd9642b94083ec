"""Terminal emulators: recognizing them, and what their titles say when the process tree
cannot be read (macOS, Windows, or a remote shell).

Shells and terminals set titles such as "user@host: ~/src/proj" (bash, gnome-terminal),
"~/src/proj : nvim — Konsole", "proj — -zsh — 80×24" (Terminal.app), "nvim foo.py (nvim)"
(iTerm2), "PS C:\\src\\proj>" or "MINGW64:/c/src/proj" (Windows Terminal), "[1/2] nvim foo.py"
(WezTerm); `parse_terminal_title` turns those into a directory and a command line.
"""

from __future__ import annotations

import re
import shlex
from functools import lru_cache

from watchers.editors import clip, editor_for, expand, first_known, is_path
from watchers.processes import SHELLS
from watchers.records import Frozen


class TerminalSpec(Frozen):
    __slots__ = ("name", "ids", "app_title")  # noqa: RUF023

    name: str
    ids: frozenset[str]
    app_title: str  # regex of the app name some titles end with

    def __init__(self, name: str, ids: frozenset[str], app_title: str) -> None:
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "ids", ids)
        set_(self, "app_title", app_title)


def _spec(name: str, ids: str, app_title: str) -> TerminalSpec:
    return TerminalSpec(name, frozenset(ids.split()), app_title)


TERMINALS: tuple[TerminalSpec, ...] = (
    _spec("GNOME Terminal", "gnome-terminal gnome-terminal-server org.gnome.terminal "
          "gnome-terminal.real", "Terminal"),
    _spec("Konsole", "konsole org.kde.konsole", "Konsole"),
    _spec("xterm", "xterm uxterm", "xterm"),
    _spec("Alacritty", "alacritty alacritty.exe", "Alacritty"),
    _spec("kitty", "kitty", "kitty"),
    _spec("WezTerm", "wezterm wezterm-gui wezterm-gui.exe org.wezfurlong.wezterm", "WezTerm"),
    _spec("iTerm2", "iterm2 iterm com.googlecode.iterm2", "iTerm2"),
    _spec("Windows Terminal", "windowsterminal windowsterminal.exe cascadia_hosting_window_class "
          "openconsole.exe", "Windows Terminal"),
    _spec("Terminal", "terminal com.apple.terminal", "Terminal"),
    _spec("Tilix", "tilix com.gexperts.tilix", "Tilix"),
    _spec("Terminator", "terminator", "Terminator"),
    _spec("xfce4-terminal", "xfce4-terminal", "Terminal"),
    _spec("foot", "foot footclient", "foot"),
    _spec("st", "st st-256color", "st"),
    _spec("Ghostty", "ghostty com.mitchellh.ghostty", "Ghostty"),
    _spec("conhost", "conhost conhost.exe consolewindowclass", "Command Prompt"),
)

_BY_ID = {i: spec for spec in TERMINALS for i in spec.ids}



def terminal_for(candidates: list[str]) -> TerminalSpec | None:
    return first_known(_BY_ID, candidates)


class TerminalTitle(Frozen):
    __slots__ = ("directory", "directory_name", "command", "host")  # noqa: RUF023

    directory: str | None  # as a path ("~" expanded) when the title shows one
    directory_name: str | None  # only a folder name ("proj — -zsh")
    command: tuple[str, ...]  # the foreground command line, when not a bare shell
    host: str | None  # the host a "user@host: ~/dir" title names

    def __init__(self, directory: str | None = None, directory_name: str | None = None,
                 command: tuple[str, ...] = (), host: str | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "directory", directory)
        set_(self, "directory_name", directory_name)
        set_(self, "command", command)
        set_(self, "host", host)


_USER_HOST = re.compile(
    r"^(?:\[)?[\w.-]+@(?P<host>[\w.-]+)(?::\s*|\s+)(?P<dir>[~/][^\]$#>]*?)\]?\s*[$#%>]?$")
_POWERSHELL = re.compile(r"^(?:Administrator:\s*)?PS (?P<dir>[A-Za-z]:\\[^>]*)>?$")
_MINGW = re.compile(r"^(?:MINGW64|MINGW32|MSYS|UCRT64|CLANG64):(?P<dir>/.*)$")
_SIZE = re.compile(r"^\d+\s*[×x]\s*\d+$")
_TAB_PREFIX = re.compile(r"^(?:\[\d+/\d+\]\s*|\d+\.\s+)")
_SEPARATOR = re.compile(r"\s+[—–]\s+|\s+-\s+(?=\S)")


def _msys_to_windows(path: str) -> str:
    m = re.match(r"^/([a-zA-Z])(/.*)?$", path)
    return f"{m.group(1).upper()}:{(m.group(2) or '/').replace('/', chr(92))}" if m else path


def _command(text: str) -> tuple[str, ...]:
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words:
        return ()
    first = words[0].lstrip("-").rsplit("/", 1)[-1]
    if first.lower().removesuffix(".exe") in SHELLS:
        return ()
    return (first, *words[1:])


@lru_cache(maxsize=1024)
def parse_terminal_title(spec: TerminalSpec, title: str) -> TerminalTitle:
    """Directory and foreground command a terminal title shows (cached per title)."""
    text = re.sub(rf"\s+[-—–|]\s+(?:{spec.app_title})$", "", clip(title).strip()).strip()
    text = _TAB_PREFIX.sub("", text)
    if not text or re.fullmatch(spec.app_title, text, re.IGNORECASE):
        return TerminalTitle()
    m = _USER_HOST.match(text)
    if m:
        return TerminalTitle(directory=expand(m.group("dir").strip()), host=m.group("host"))
    m = _POWERSHELL.match(text)
    if m:
        return TerminalTitle(directory=m.group("dir").strip())
    m = _MINGW.match(text)
    if m:
        return TerminalTitle(directory=_msys_to_windows(m.group("dir")))
    # Konsole: "~/src/proj : nvim"; tmux-style "proj:nvim" is left alone.
    m = re.match(r"^(?P<dir>.+?) : (?P<cmd>.+)$", text)
    if m:
        return _from_parts(m.group("dir"), m.group("cmd"))
    # iTerm2: "nvim foo.py (nvim)", "~/src/proj (-zsh)"
    m = re.match(r"^(?P<main>.+?) \((?P<job>-?[\w.+-]+)\)$", text)
    if m:
        job = m.group("job").lstrip("-")
        main = m.group("main")
        if job in SHELLS:
            return _from_parts(main, "")
        return TerminalTitle(command=_command(main if main.split()[0] == job else job))
    segments = [s for s in _SEPARATOR.split(text) if s and not _SIZE.match(s.strip())]
    if len(segments) >= 2:  # Terminal.app: "proj — vim foo.py — 80×24"; or "vim — proj"
        first, second = segments[0], segments[1]
        if _runs_editor(first) and not _runs_editor(second):
            first, second = second, first
        return _from_parts(first, second)
    if is_path(text):
        return TerminalTitle(directory=expand(text))
    return TerminalTitle(command=_command(text))


def _runs_editor(text: str) -> bool:
    words = text.split()
    spec = editor_for([words[0].lower()]) if words else None
    return spec is not None and spec.in_terminal


def _from_parts(place: str, command: str) -> TerminalTitle:
    place = place.strip()
    if is_path(place):
        return TerminalTitle(directory=expand(place), command=_command(command))
    return TerminalTitle(directory_name=place or None, command=_command(command))
