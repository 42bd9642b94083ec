"""Editors and IDEs: recognizing them, and reading file/project facts from their titles.

Every editor is one `EditorSpec` row: the names it is known by (WM_CLASS, process name,
executable, macOS application name), the app names its titles end with, and whether its
titles put the file before the project ("foo.py - repo - Visual Studio Code") or after
("repo – foo.py" in JetBrains IDEs, Zed, Xcode). One parser reads every editor's title:
separators (" - ", " – ", " — "), dirty markers ("●", "•", "*", "+", "[+]"), remote markers
("[SSH: host]", "[WSL: Ubuntu]"...), directories shown as "(~/src/proj)" or "[~/src/proj]",
full paths with "~" expanded, and noise such as "[Restricted Mode]" or "(Workspace)".
"""

from __future__ import annotations

import ntpath
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TypeVar

from watchers.languages import is_language_name, language_for_file
from watchers.records import Frozen

T = TypeVar("T")


class EditorSpec(Frozen):
    __slots__ = ("name", "ids", "app_title", "file_first", "in_terminal")  # noqa: RUF023

    name: str
    ids: frozenset[str]  # lower-case WM_CLASS / process / exe / app names
    app_title: str  # regex of the app name that ends its titles
    file_first: bool
    in_terminal: bool  # runs inside terminals (vim, nvim, emacs -nw...)

    def __init__(self, name: str, ids: frozenset[str], app_title: str, file_first: bool = True,
                 in_terminal: bool = False) -> None:
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "ids", ids)
        set_(self, "app_title", app_title)
        set_(self, "file_first", file_first)
        set_(self, "in_terminal", in_terminal)


def _spec(name: str, ids: str, app_title: str, *, apps: tuple[str, ...] = (),
          file_first: bool = True, in_terminal: bool = False) -> EditorSpec:
    """`ids`: space-separated one-word names; `apps`: application names with spaces."""
    return EditorSpec(name, frozenset(ids.split()) | {a.lower() for a in apps}, app_title,
                      file_first, in_terminal)


_JETBRAINS = (
    ("IntelliJ IDEA", "idea idea64 idea.sh idea-ce idea-ultimate jetbrains-idea jetbrains-idea-ce "
     "intellij-idea-ultimate-edition intellij-idea-community-edition com.jetbrains.intellij "
     "com.jetbrains.intellij.ce",
     r"IntelliJ IDEA(?: (?:Ultimate|Community)(?: Edition)?)?"),
    ("PyCharm", "pycharm pycharm64 pycharm.sh pycharm-community pycharm-professional "
     "jetbrains-pycharm jetbrains-pycharm-ce pycharm-ce com.jetbrains.pycharm-ce",
     r"PyCharm(?: (?:Professional|Community)(?: Edition)?|CE)?"),
    ("WebStorm", "webstorm webstorm64 webstorm.sh jetbrains-webstorm", "WebStorm"),
    ("GoLand", "goland goland64 goland.sh jetbrains-goland", "GoLand"),
    ("CLion", "clion clion64 clion.sh jetbrains-clion", "CLion"),
    ("Rider", "rider rider64 rider.sh jetbrains-rider", "(?:JetBrains )?Rider"),
    ("RubyMine", "rubymine rubymine64 rubymine.sh jetbrains-rubymine", "RubyMine"),
    ("PhpStorm", "phpstorm phpstorm64 phpstorm.sh jetbrains-phpstorm", "PhpStorm"),
    ("DataGrip", "datagrip datagrip64 datagrip.sh jetbrains-datagrip", "DataGrip"),
    ("Android Studio", "studio studio64 studio.sh android-studio jetbrains-studio",
     "Android Studio"),
    ("RustRover", "rustrover rustrover64 rustrover.sh jetbrains-rustrover", "RustRover"),
)

EDITORS: tuple[EditorSpec, ...] = (
    _spec("VS Code", "code code.exe code-oss visual-studio-code code-insiders "
          "com.visualstudio.code com.microsoft.vscode com.microsoft.vscodeinsiders",
          r"Visual Studio Code(?: - Insiders)?|Code - OSS",
          apps=("Visual Studio Code", "Code - OSS", "Code - Insiders")),
    _spec("VSCodium", "vscodium codium codium.exe com.vscodium.codium", "VSCodium"),
    _spec("Cursor", "cursor cursor.exe com.todesktop.230313mzl4w4u92", "Cursor"),
    *(_spec(name, ids, rf"(?:{title})(?: \d[\d.]*)?", apps=(name,), file_first=False)
      for name, ids, title in _JETBRAINS),
    _spec("Sublime Text", "sublime_text sublime_text.exe sublime-text subl com.sublimetext.4 "
          "com.sublimetext.3",
          r"Sublime Text(?: \d+)?", apps=("Sublime Text",)),
    _spec("gVim", "gvim gvim.exe", r"GVIM\d*"),
    _spec("Neovim", "nvim nvim-qt neovim-qt neovide nvim.exe neovide.exe", r"NVIM|Nvim|Neovide",
          in_terminal=True),
    _spec("Vim", "vim vim.basic vim.tiny vim.gtk3 vim.nox vi vim.exe", "VIM|Vim",
          in_terminal=True),
    _spec("Emacs", "emacs emacs-gtk emacs-nox emacs.exe runemacs.exe emacsclient org.gnu.emacs",
          r"(?:GNU|Doom) Emacs(?: at \S+)?|Emacs|emacs@\S+", in_terminal=True),
    _spec("Zed", "zed dev.zed.zed zed-editor zed.exe", "Zed", file_first=False),
    _spec("Kate", "kate org.kde.kate kate.exe", "Kate"),
    _spec("gedit", "gedit org.gnome.gedit", "gedit"),
    _spec("GNOME Text Editor", "gnome-text-editor org.gnome.texteditor", "Text Editor",
          apps=("Text Editor",)),
    _spec("Xcode", "xcode com.apple.dt.xcode", "Xcode", file_first=False),
    _spec("Visual Studio", "devenv devenv.exe", r"Microsoft Visual Studio(?: Preview)?",
          apps=("Visual Studio", "Microsoft Visual Studio")),
    _spec("nano", "nano", "GNU nano(?: [\\d.]+)?", in_terminal=True),
    _spec("Helix", "hx helix", "Helix", in_terminal=True),
    _spec("micro", "micro", "micro", in_terminal=True),
    _spec("Kakoune", "kak kakoune", "Kakoune", in_terminal=True),
)

_BY_ID = {i: spec for spec in EDITORS for i in spec.ids}
JETBRAINS_IDES = frozenset(name for name, _, _ in _JETBRAINS)


def first_known(table: Mapping[str, T], candidates: Iterable[str]) -> T | None:
    """The entry of `table` for the first of `candidates` it knows."""
    for candidate in candidates:
        found = table.get(candidate)
        if found is not None:
            return found
    return None


def editor_for(candidates: list[str]) -> EditorSpec | None:
    """The editor known by the first matching name among `candidates` (lower case)."""
    return first_known(_BY_ID, candidates)


class TitleFacts(Frozen):
    """What an editor title says. `file` is a bare name, a relative path or an absolute path
    (with "~" expanded); `directory` the folder the title shows for it."""

    __slots__ = (  # noqa: RUF023 (in the order of __init__'s arguments)
        "file", "directory", "project", "project_dir", "remote", "language")

    file: str | None
    directory: str | None
    project: str | None
    project_dir: str | None
    remote: str | None
    language: str | None

    def __init__(self, file: str | None = None, directory: str | None = None,
                 project: str | None = None, project_dir: str | None = None,
                 remote: str | None = None, language: str | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "file", file)
        set_(self, "directory", directory)
        set_(self, "project", project)
        set_(self, "project_dir", project_dir)
        set_(self, "remote", remote)
        set_(self, "language", language)


_SEPARATOR = re.compile(r"\s+[-–—]\s+")
_REMOTE = re.compile(
    r"\s*\[(SSH|WSL|Dev Container|Codespaces|Container|Tunnel|Remote)(?::\s*([^\]]*))?\]\s*")
_NOISE = re.compile(
    r"\s*(?:\[(?:Restricted Mode|Administrator|Unsupported|Extension Development Host|"
    r"Read[- ]Only|RO|Modified|modified|\+|Unlicensed|Project|Preview)\]"
    r"|\((?:UNREGISTERED|Unregistered|Workspace|Administrator|Running|Debugging|Design|"
    r"Not Responding|Preview|Working Tree|Index|HEAD|deleted|read-only|Read-Only)\))\s*")
_DIRTY_LEAD = re.compile(r"^(?:[●•◉]\s*|\*\s*)+")
_DIRTY_TAIL = re.compile(r"(?:\s*[●•◉*]|\s[+=\-]{1,2})+$")
_ARG_COUNT = re.compile(r"^\d+ of \d+$")
_DROP_SEGMENTS = {"workspace", "edited", "[no name]", "no name", "untitled", "welcome"}
_PROJECT_SUFFIXES = (".xcodeproj", ".xcworkspace", ".sln", ".code-workspace", ".sublime-project")
_FILE_NAME = re.compile(r"^[^/\\:*?\"<>|]*[^/\\:*?\"<>|.\s]\.[A-Za-z0-9_+\-]{1,15}$")


MAX_TITLE = 1000


def clip(title: str) -> str:
    """Real titles are short; the end of an absurdly long one (where apps put their
    name and private-window markers) is all that is parsed."""
    return title[-MAX_TITLE:]


def is_windows_path(text: str) -> bool:
    return bool(re.match(r"^[A-Za-z]:[\\/]|^\\\\", text))


def is_path(text: str) -> bool:
    """An absolute or home-relative path as titles show them."""
    return text.startswith(("~/", "/", "~\\")) or text == "~" or is_windows_path(text)


def expand(path: str) -> str:
    """`path` with "~" expanded; Windows paths are left in their own syntax."""
    return path if is_windows_path(path) else os.path.expanduser(path)


def split_path(path: str) -> tuple[str, str]:
    """(directory, name) of a path in POSIX or Windows syntax."""
    if is_windows_path(path) or ("\\" in path and "/" not in path):
        return ntpath.split(path)
    return os.path.split(path)


def looks_like_file(text: str) -> bool:
    """A file name ("foo.py", "Makefile", ".bashrc"), not a project or a view name."""
    name = split_path(text)[1] if ("/" in text or "\\" in text) else text
    if not name or name.lower() in _DROP_SEGMENTS or name.endswith(_PROJECT_SUFFIXES):
        return False
    if _FILE_NAME.match(name):
        return True
    return " " not in name and len(name) <= 64 and language_for_file(name) is not None


def names_editor(spec: EditorSpec, title: str) -> bool:
    """Whether `title` ends with the editor's own name (vim's "foo.py (~/src) - VIM")."""
    return _app_pattern(spec.app_title).search(title.strip()) is not None


def _strip_app(spec: EditorSpec, title: str) -> str:
    pattern = _app_pattern(spec.app_title)
    return pattern.sub("", title).strip()


@lru_cache(maxsize=64)
def _app_pattern(app_title: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^|\s+[-–—|*]\s+)(?:{app_title})\s*$")  # SciTE: "a.go * SciTE"


def _trailing_group(text: str) -> tuple[str, str, str] | None:
    """("head", "(", "inner") for "head (inner)" or "head [inner]", inner unnested."""
    if not text or text[-1] not in ")]":
        return None
    bracket = "(" if text[-1] == ")" else "["
    start = text.rfind(bracket)
    inner = text[start + 1:-1]
    if start < 0 or any(c in inner for c in "()[]"):
        return None
    return text[:start].rstrip(), bracket, inner.strip()


def _segment(text: str) -> dict[str, str]:
    """Classify one title segment: file, directory, project name, project dir, language."""
    out: dict[str, str] = {}
    if re.fullmatch(r"\*[^*]+\*", text.strip()):  # Emacs special buffers: "*scratch*"
        return out
    text = _DIRTY_TAIL.sub("", _DIRTY_LEAD.sub("", text.strip())).strip()
    # Trailing "(...)" / "[...]" groups: directories, project names, modules, hints.
    for _ in range(8):
        group = _trailing_group(text)
        if group is None or (not group[0] and group[1] == "["):
            break
        head, bracket, inner = group
        text = _DIRTY_TAIL.sub("", head).strip()
        if not head:  # the whole segment was "(...)": keep it as text
            text = inner
            break
        if is_path(inner) and bracket == "(":  # vim, gedit: "hosts (/etc)"
            out.setdefault("directory", expand(inner.rstrip("/\\") or inner))
            if text and not text.startswith("["):
                out.setdefault("file", text)
        elif is_path(inner):  # JetBrains: "proj [~/src/proj]"
            out.setdefault("project_dir", expand(inner.rstrip("/\\") or inner))
        elif _ARG_COUNT.match(inner) or not inner:
            continue
        elif bracket == "[" and is_language_name(inner) and looks_like_file(text):
            out.setdefault("language", inner)
        elif bracket == "(":
            out.setdefault("project", inner)
    whole = re.match(r"^\[([^\]]*)\]$", text)
    if whole:  # "[~/src/proj]" (JetBrains) or "[No Name]" (vim)
        if is_path(whole.group(1)):
            out["project_dir"] = expand(whole.group(1))
        return out
    text = re.sub(r"<[^<>]*>$", "", text).strip()  # Emacs uniquify: "foo.py<proj>"
    if not text or text.lower() in _DROP_SEGMENTS:
        return out
    if text.startswith(("…/", ".../", "…\\", "...\\")):
        text = split_path(text)[1]
    if "file" in out:
        return out
    if is_path(text) and looks_like_file(text):
        out["file"] = expand(text)
    elif is_path(text):
        out["project_dir"] = expand(text.rstrip("/\\") or text)
    elif looks_like_file(text):
        out["file"] = text
    else:
        for suffix in _PROJECT_SUFFIXES:
            text = text.removesuffix(suffix)
        out["name"] = text
    return out


@lru_cache(maxsize=1024)
def parse_editor_title(spec: EditorSpec, title: str) -> TitleFacts:
    """Facts an editor's window title gives (cached per title)."""
    text = clip(title).replace("\u200b", "").replace("\u200e", "").strip()
    remote = None
    m = _REMOTE.search(text)
    if m:
        remote = f"{m.group(1)}: {m.group(2).strip()}" if m.group(2) else m.group(1)
        text = (text[:m.start()] + " " + text[m.end():]).strip()
    text = _NOISE.sub(" ", text).strip()
    text = _strip_app(spec, text)
    if not text:
        return TitleFacts(remote=remote)
    parts = [_segment(s) for s in _SEPARATOR.split(text) if s.strip()]
    parts = [p for p in parts if p]
    found: dict[str, str] = {}
    for part in parts:
        for key in ("directory", "project_dir", "language"):
            if key in part and key not in found:
                found[key] = part[key]
    # Positional slots: "item - project" (file first) or "project - item" (project first).
    slots = [p for p in parts if "file" in p or "name" in p]
    if not spec.file_first:
        slots.reverse()
    file_part = slots[0] if slots and "file" in slots[0] else None
    project = file_part.get("project") if file_part else None
    if project is None and len(slots) >= 2:
        project = slots[1].get("name") or slots[1].get("project")
    elif project is None and slots and file_part is None:
        project = slots[0].get("name")
    return TitleFacts(
        file=file_part["file"] if file_part else None,
        directory=found.get("directory"),
        project=project,
        project_dir=found.get("project_dir"),
        remote=remote,
        language=found.get("language"),
    )


def swap_file_target(paths: tuple[str, ...]) -> str | None:
    """The file a vim/neovim swap file belongs to (".foo.py.swp", "%src%foo.py.swp")."""
    for path in paths:
        directory, name = os.path.split(path)
        if not name.endswith((".swp", ".swo", ".swn")):
            continue
        stem = name[:-4]
        if "%" in stem:  # neovim: the full path with "/" spelled "%"
            return stem.replace("%", "/")
        if stem.startswith("."):
            return os.path.join(directory, stem[1:])
    return None
