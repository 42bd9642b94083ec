"""Windows: applications as the registry describes them.

Browsers register under `SOFTWARE\\Clients\\StartMenuInternet` (HKLM and HKCU: a display name
and the command that opens them), and the default one is the handler of the `http` URL
association. Editors are the programs registered to open source and text files (the
`OpenWithProgids` of `.py`, `.js`, `.txt`...: their `shell\\open\\command`, and the user's
`OpenWithList`). A window is matched by its process's executable. The registry reading is
here; what it means (`browsers_from`, `editors_from`) is plain code tested with recorded
registry contents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from watchers.apps import KnownApp, ScannedIndex

SOURCE_EXTENSIONS = (".py", ".js", ".ts", ".go", ".rs", ".c", ".cpp", ".h", ".cs", ".java",
                     ".rb", ".php", ".json", ".md", ".txt")
START_MENU_INTERNET = r"SOFTWARE\Clients\StartMenuInternet"
HTTP_CHOICE = r"Software\Microsoft\Windows\Shell\Associations\UrlAssociations\http\UserChoice"
FILE_EXTS = r"Software\Microsoft\Windows\CurrentVersion\Explorer\FileExts"
_QUOTED = re.compile(r'^\s*"([^"]+)"')
_BARE = re.compile(r"^\s*(\S.*?\.exe)\b", re.IGNORECASE)
_NOT_EDITORS = frozenset({"explorer.exe", "rundll32.exe", "openwith.exe", "cmd.exe",
                          "python.exe", "pythonw.exe", "py.exe", "node.exe", "wscript.exe",
                          "cscript.exe", "msedge.exe", "iexplore.exe"})


def program_of(command: str) -> str | None:
    """The executable a registered command runs, lower case ("geany.exe")."""
    found = _QUOTED.match(command) or _BARE.match(command)
    if not found:
        return None
    return re.split(r"[\\/]", found.group(1))[-1].lower() or None


def _app(kind: str, name: str, exe: str, origin: str) -> KnownApp:
    stem = exe.removesuffix(".exe")
    return KnownApp(kind, name, frozenset({exe, stem}), (name, stem), "registry", origin)


def browsers_from(clients: Mapping[str, Mapping[str, str]]) -> list[KnownApp]:
    """`clients`: StartMenuInternet subkey -> {"name": its default value, "command": its
    shell\\open\\command}."""
    out = []
    for key, client in clients.items():
        exe = program_of(client.get("command", ""))
        if exe:
            out.append(_app("browser", client.get("name") or key, exe,
                            rf"{START_MENU_INTERNET}\{key}"))
    return out


def editors_from(handlers: Mapping[str, Iterable[tuple[str, str]]]) -> list[KnownApp]:
    """`handlers`: extension -> (name, command) of each program registered to open it.
    Programs that open source files (not interpreters or shells) are editors."""
    found: dict[str, KnownApp] = {}
    for ext, programs in handlers.items():
        for name, command in programs:
            exe = program_of(command)
            if exe and exe not in _NOT_EDITORS and exe not in found:
                found[exe] = _app("editor", name or exe.removesuffix(".exe"), exe,
                                  f"HKEY_CLASSES_ROOT\\{ext}")
    return list(found.values())


class RegistryIndex(ScannedIndex):
    """Reads the registry (winreg) on Windows."""

    def stamp(self) -> object:
        import winreg

        out = []
        for root, path in ((winreg.HKEY_LOCAL_MACHINE, START_MENU_INTERNET),
                           (winreg.HKEY_CURRENT_USER, START_MENU_INTERNET),
                           (winreg.HKEY_CURRENT_USER, FILE_EXTS)):
            try:
                with winreg.OpenKey(root, path) as key:
                    out.append(winreg.QueryInfoKey(key)[2])  # last written
            except OSError:
                out.append(None)
        return tuple(out)

    def scan(self) -> list[KnownApp]:
        return browsers_from(_start_menu_clients()) + editors_from(_handlers())


def _value(root: Any, path: str, name: str = "") -> str | None:
    import winreg

    try:
        with winreg.OpenKey(root, path) as key:
            value = winreg.QueryValueEx(key, name)[0]
            return value if isinstance(value, str) else None
    except OSError:
        return None


def _subkeys(root: Any, path: str) -> list[str]:
    import winreg

    try:
        with winreg.OpenKey(root, path) as key:
            return [winreg.EnumKey(key, i) for i in range(winreg.QueryInfoKey(key)[0])]
    except OSError:
        return []


def _values(root: Any, path: str) -> list[tuple[str, Any]]:
    import winreg

    try:
        with winreg.OpenKey(root, path) as key:
            return [winreg.EnumValue(key, i)[:2] for i in range(winreg.QueryInfoKey(key)[1])]
    except OSError:
        return []


def _start_menu_clients() -> dict[str, dict[str, str]]:
    import winreg

    clients: dict[str, dict[str, str]] = {}
    for root in (winreg.HKEY_CURRENT_USER, winreg.HKEY_LOCAL_MACHINE):
        for key in _subkeys(root, START_MENU_INTERNET):
            base = rf"{START_MENU_INTERNET}\{key}"
            command = _value(root, rf"{base}\shell\open\command")
            if command and key not in clients:
                clients[key] = {"name": _value(root, base) or key, "command": command}
    progid = _value(winreg.HKEY_CURRENT_USER, HTTP_CHOICE, "ProgId")
    command = _value(winreg.HKEY_CLASSES_ROOT, rf"{progid}\shell\open\command") if progid else None
    if progid and command:
        clients.setdefault(progid, {"name": progid, "command": command})
    return clients


def _handlers() -> dict[str, list[tuple[str, str]]]:
    import winreg

    out: dict[str, list[tuple[str, str]]] = {}
    for ext in SOURCE_EXTENSIONS:
        programs = []
        for progid, _ in _values(winreg.HKEY_CLASSES_ROOT, rf"{ext}\OpenWithProgids"):
            command = _value(winreg.HKEY_CLASSES_ROOT, rf"{progid}\shell\open\command")
            if command:
                programs.append((_value(winreg.HKEY_CLASSES_ROOT, progid) or "", command))
        for name, exe in _values(winreg.HKEY_CURRENT_USER, rf"{FILE_EXTS}\{ext}\OpenWithList"):
            if name != "MRUList" and isinstance(exe, str):
                command = _value(winreg.HKEY_CLASSES_ROOT,
                                 rf"Applications\{exe}\shell\open\command")
                programs.append(("", command or exe))
        out[ext] = programs
    return out
