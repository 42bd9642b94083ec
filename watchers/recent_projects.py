"""Where a project named in an IDE title lives, from the IDE's own state files.

VS Code-family titles ("app.py - myproj - Visual Studio Code") and JetBrains titles
("myproj – app.py") name the project but not its folder, and the IDE's cwd is often just
the home directory. The IDEs record their folders locally: VS Code, VSCodium and Cursor in
`User/globalStorage/storage.json` (folder URIs), JetBrains IDEs in
`options/recentProjects.xml` (paths and the window title each project had). Those files are
read when they change (checked every few seconds), never on every poll.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
import time
from urllib.parse import unquote, urlsplit

from watchers.editors import JETBRAINS_IDES

CHECK_SECONDS = 5.0
_VSCODE_DIRS = {"VS Code": ("Code", "Code - OSS", "Code - Insiders"), "VSCodium": ("VSCodium",),
                "Cursor": ("Cursor",)}


def _config_roots() -> list[str]:
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return [os.path.join(home, "Library", "Application Support")]
    if os.name == "nt":
        return [os.environ.get("APPDATA") or os.path.join(home, "AppData", "Roaming")]
    return [os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")]


def _state_files(editor: str) -> list[str]:
    roots = _config_roots()
    if editor in _VSCODE_DIRS:
        return [os.path.join(root, name, "User", "globalStorage", "storage.json")
                for root in roots for name in _VSCODE_DIRS[editor]]
    if editor not in JETBRAINS_IDES:
        return []
    if editor == "Android Studio":
        patterns = [os.path.join(root, "Google", "AndroidStudio*", "options", "recentProjects.xml")
                    for root in roots]
    else:
        patterns = [os.path.join(root, "JetBrains", "*", "options", "recentProjects.xml")
                    for root in roots]
    return sorted({p for pattern in patterns for p in glob.glob(pattern)})


def _file_uris(value: object, out: list[str]) -> None:
    if isinstance(value, str):
        if value.startswith("file://"):
            out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _file_uris(key, out)
            _file_uris(item, out)
    elif isinstance(value, list):
        for item in value:
            _file_uris(item, out)


def vscode_folders(text: str) -> dict[str, str]:
    """Folder name -> path for every local folder a VS Code storage.json mentions (the
    last-active window and open windows first)."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    uris: list[str] = []
    if isinstance(data, dict):
        _file_uris(data.get("windowsState", {}).get("lastActiveWindow"), uris)
        _file_uris(data.get("backupWorkspaces"), uris)
    _file_uris(data, uris)
    found: dict[str, str] = {}
    for uri in uris:
        parts = urlsplit(uri)
        path = unquote(parts.path)
        if re.match(r"^/[A-Za-z]:/", path):  # file:///c%3A/Users/me/proj on Windows
            path = path[1:].replace("/", "\\")
        path = path.rstrip("/\\")
        if path.endswith(".code-workspace"):
            name = os.path.basename(path)[: -len(".code-workspace")]
            path = os.path.dirname(path)
        else:
            name = re.split(r"[/\\]", path)[-1]
        if name:
            found.setdefault(name, path)
    return found


# Compiled on first use (re's cache): JetBrains IDEs only.
_ENTRY = r'(?s)<entry key="(?P<path>[^"]+)">(?P<body>.*?)</entry>'
_FRAME_TITLE = r'frameTitle="(?P<title>[^"]*)"'


def jetbrains_projects(text: str, home: str) -> dict[str, str]:
    """Project name -> path from a JetBrains recentProjects.xml: by folder name, and by the
    project name its last window title showed ("myproj – app.py")."""
    found: dict[str, str] = {}
    for m in re.finditer(_ENTRY, text):
        path = m.group("path").replace("$USER_HOME$", home).replace("&amp;", "&")
        name = re.split(r"[/\\]", path.rstrip("/\\"))[-1]
        title = re.search(_FRAME_TITLE, m.group("body"))
        if title:
            shown = re.split(r"\s+[–—-]\s+|\s+\[", title.group("title").replace("&amp;", "&"))[0]
            found.setdefault(shown.strip(), path)
        found.setdefault(name, path)
    return found


class RecentProjects:
    def __init__(self) -> None:
        self._files: dict[str, tuple[float, list[str]]] = {}
        self._parsed: dict[str, tuple[float, dict[str, str]]] = {}

    def path_for(self, editor: str, name: str, *, now: float | None = None) -> str | None:
        """The local folder of the project `name` that `editor`'s state files know."""
        now = time.monotonic() if now is None else now
        for path in self._state_files(editor, now):
            known = self._read(path)
            if name in known:
                return known[name]
        return None

    def _state_files(self, editor: str, now: float) -> list[str]:
        hit = self._files.get(editor)
        if hit is None or hit[0] <= now:
            hit = (now + CHECK_SECONDS, _state_files(editor))
            self._files[editor] = hit
        return hit[1]

    def _read(self, path: str) -> dict[str, str]:
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            return {}
        hit = self._parsed.get(path)
        if hit is not None and hit[0] == mtime:
            return hit[1]
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            return {}
        known = (vscode_folders(text) if path.endswith(".json")
                 else jetbrains_projects(text, os.path.expanduser("~")))
        self._parsed[path] = (mtime, known)
        return known

    def clear(self) -> None:
        self._files.clear()
        self._parsed.clear()


RECENT = RecentProjects()
