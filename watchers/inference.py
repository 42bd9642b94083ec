"""From a focused window to editor / terminal / browser context.

`infer(obs, window)` recognizes the window (WM_CLASS / app name first, then the process
name and executable) as an editor, a terminal or a browser and fills the matching fields of
`obs`, each under the name of what found it:

- "editor.window" / "terminal.window" / "browser.window": the app was recognized;
- "editor.title" / "editor.process": file and project read from the title, or from the
  process (cmdline, cwd, swap files);
- "terminal.process" / "terminal.title": the terminal's foreground process, or its title;
- "browser.title" / "browser.url.<provider>": tab title and site, or the exact URL;
- "project.git" / "project.hg" / "project.svn" / "project.marker": project root and branch;
- "language.pygments": the language from the file name (an editor's own hint wins).

It runs every second: every file-system and /proc lookup behind it is cached briefly. The
terminals' and browsers' tables (and tmux, the sites) load when a window is not an editor's:
`timeforged now` on an editor does not pay for them.
"""

from __future__ import annotations

import os
import re
from _socket import gethostname  # not `socket`: its enums cost ~2 ms of a start
from functools import lru_cache
from typing import TYPE_CHECKING

from watchers.apps import KnownApp, app_index
from watchers.editors import (
    EditorSpec,
    TitleFacts,
    editor_for,
    is_windows_path,
    looks_like_file,
    names_editor,
    parse_editor_title,
    split_path,
    swap_file_target,
)
from watchers.languages import language_for_file, language_from_hint
from watchers.observation import Observation
from watchers.processes import (
    ProcInfo,
    foreground_of,
    foreground_processes,
    open_paths,
    proc_info,
)
from watchers.projects import branch_of, find_project
from watchers.recent_files import RECENT_FILES
from watchers.recent_projects import RECENT
from watchers.window.base import WindowInfo

if TYPE_CHECKING:
    from watchers.browsers import BrowserSpec
    from watchers.terminals import TerminalSpec

_LOCAL_WINDOWS = os.name == "nt"
REMOTE_CLIENTS = frozenset({"ssh", "mosh-client", "mosh", "et", "autossh", "telnet"})


@lru_cache(maxsize=64)
def _is_this_host(host: str) -> bool:
    here = gethostname().lower()
    host = host.lower()
    return host in ("localhost", here) or host == here.split(".")[0] or host.split(".")[0] == here


def _names(window: WindowInfo) -> list[str]:
    """Names the window's app goes by, most telling first."""
    out: list[str] = []
    for raw in (window.wm_class, window.app, window.process_name,
                os.path.basename(window.exe) if window.exe else None):
        if not raw:
            continue
        name = raw.strip().lower()
        for candidate in (name, name.removesuffix(".exe"), name.removesuffix(".app"),
                          name.rsplit(".", 1)[-1]):
            if candidate and candidate not in out:
                out.append(candidate)
    return out


def infer(obs: Observation, window: WindowInfo) -> Observation:
    """`obs` with editor, file, project, branch, language, terminal, browser, site, url and
    private filled where `window` shows them. Our tables come first (they know quirks);
    then what the system says the app is (`watchers.apps`)."""
    names = _names(window)
    for name in names:
        editor = editor_for([name])
        if editor is not None:
            return _editor(obs, window, editor, "editor.window")
        from watchers.browsers import browser_for
        from watchers.terminals import terminal_for

        terminal = terminal_for([name])
        if terminal is not None:
            return _terminal(obs, window, terminal, "terminal.window")
        browser = browser_for([name])
        if browser is not None:
            return _browser(obs, window, browser, "browser.window")
    app = app_index().find(names)
    if app is None:
        return obs
    spec = spec_of(app)
    source = f"{app.kind}.{app.source}"
    if app.kind == "editor":
        return _editor(obs, window, spec, source)
    if app.kind == "terminal":
        return _terminal(obs, window, spec, source)
    return _browser(obs, window, spec, source)


@lru_cache(maxsize=256)
def spec_of(app: KnownApp) -> EditorSpec | TerminalSpec | BrowserSpec:
    """A table row for an app the system describes: its titles end with any of its names."""
    brand = "(?i:" + "|".join(re.escape(t) for t in app.titles) + ")"
    if app.kind == "editor":
        return EditorSpec(app.name, app.names, brand)
    if app.kind == "terminal":
        from watchers.terminals import TerminalSpec

        return TerminalSpec(app.name, app.names, brand)
    from watchers.browsers import BrowserSpec

    return BrowserSpec(app.name, app.names, brand)


# ---- editors ---------------------------------------------------------------------------

def _editor(obs: Observation, window: WindowInfo, spec: EditorSpec, source: str
            ) -> Observation:
    obs = obs.with_fields(source, editor=spec.name)
    facts = parse_editor_title(spec, window.title) if window.title else TitleFacts()
    real_files_only = source != "editor.window"
    if real_files_only:  # an app we know only from the system: no project names guessed
        facts = facts.replace(project=None)
    title_source = "editor.title"
    if window.document and os.path.isfile(window.document):  # macOS's AXDocument
        facts = facts.replace(file=window.document, remote=None)
        title_source = "editor.document"
    elif not facts.remote and not _is_local_abs(_title_file(facts)) and window.title:
        shown = path_in_title(window.title)  # "Editing /src/x/handler.go (modified)"
        if shown is not None:
            facts = facts.replace(file=shown)
    info = None
    if window.pid and not facts.remote and not _is_local_abs(_title_file(facts)):
        info = proc_info(window.pid)
    known = None
    if facts.project and not facts.remote:  # the IDE's own record of where it lives
        known = RECENT.path_for(spec.name, facts.project)
    # An app we know only from the system: a title word that is no real file is not a file.
    return _editing(obs, facts, info, title_source, "editor.process", known_dir=known,
                    real_files_only=real_files_only)


_PATH_IN_TITLE = re.compile(
    r"(?:^|(?<=[\s(\[\"'<:=*●•]))(~?/[^\s\"'<>|()\[\]]+|[A-Za-z]:[\\/][^\s\"'<>|()\[\]]+)")


@lru_cache(maxsize=512)
def path_in_title(title: str) -> str | None:
    """The first absolute or ~ path in `title` that is an existing file (cached per title:
    a title that names a file keeps naming it)."""
    for match in _PATH_IN_TITLE.finditer(title):
        path = os.path.expanduser(match.group(1).rstrip(".,;:*"))
        if os.path.isfile(path):
            return path
    return None


def _is_local_abs(path: str | None) -> bool:
    if not path:
        return False
    return os.path.isabs(path) and (_LOCAL_WINDOWS or not is_windows_path(path))


def _title_file(facts: TitleFacts) -> str | None:
    """The file the title names, as a path when the title shows where it lives."""
    if facts.file is None:
        return None
    if os.path.isabs(facts.file) or is_windows_path(facts.file):
        return facts.file
    base = facts.directory or facts.project_dir
    return os.path.join(base, facts.file) if base and not is_windows_path(base) else facts.file


def _file_args(info: ProcInfo) -> list[str]:
    """Files and directories named on the command line, as absolute paths."""
    out = []
    for arg in info.cmdline[1:]:
        if not arg or arg.startswith(("-", "+")):
            continue
        path = arg if os.path.isabs(arg) or not info.cwd else os.path.join(info.cwd, arg)
        out.append(os.path.normpath(path))
    return out


def _editing(obs: Observation, facts: TitleFacts, info: ProcInfo | None,
             title_source: str, process_source: str, *,
             known_dir: str | None = None, real_files_only: bool = False) -> Observation:
    """Fill file / project / branch / language from title facts, then the process (its
    command line, cwd and open files), then the desktop's recent documents (`known_dir`:
    where the editor's state files say the title's project lives; `real_files_only`: a name
    found nowhere on disk is dropped)."""
    file = _title_file(facts)
    file_source = title_source
    candidates: list[str] = [known_dir] if known_dir and _is_local_abs(known_dir) else []
    if info is not None and not _is_local_abs(file):
        args = _file_args(info)
        wanted = split_path(facts.file)[1] if facts.file else None
        for arg in args:
            name = os.path.basename(arg)
            if (name == wanted if wanted else looks_like_file(name)) and not os.path.isdir(arg):
                file, file_source = arg, process_source
                break
        if facts.file is None and file is None:
            file = swap_file_target(open_paths(info.pid))
            file_source = process_source
        candidates += [a for a in args if os.path.isdir(a)]
        if info.cwd:
            candidates.append(info.cwd)
    if facts.remote:
        candidates = []
    local_file = file if _is_local_abs(file) else None
    for place in (facts.project_dir, facts.directory):
        if place and _is_local_abs(place):
            candidates.insert(0, place)
    if local_file:
        candidates.insert(0, os.path.dirname(local_file))
    obs = _project(obs, candidates, facts.project, title_source, exact=local_file is not None,
                   named_dir=known_dir)
    if file and not local_file and obs.project_path and not facts.remote:
        in_project = os.path.join(obs.project_path, file)
        if os.path.isfile(in_project):  # "foo.py - repo - Visual Studio Code"
            file = in_project
    if file and not _is_local_abs(file) and not facts.remote:
        # Where else the name is: in the process's cwd or open files, or the desktop's
        # record of where "handler.go" was opened.
        held = _held_file(file, info) if info is not None else None
        found, found_source = (held, process_source) if held else (
            RECENT_FILES.path_for(split_path(file)[1]), "editor.recent")
        if found is not None:
            file, file_source = found, found_source
            if obs.project is None or obs.project == facts.project:
                obs = _project(obs, [os.path.dirname(found)], facts.project, title_source,
                               exact=True)
    if real_files_only and file and not _is_local_abs(file):
        return obs
    obs = obs.with_fields(file_source, file=file)
    if facts.language:
        return obs.with_fields(title_source, language=language_from_hint(facts.language))
    return obs.with_fields("language.pygments", language=language_for_file(file) if file else None)


def _held_file(name: str, info: ProcInfo) -> str | None:
    """`name` (as the title shows it) among the files the process works on: relative to its
    cwd, or one it holds open."""
    if info.cwd and not os.path.isabs(name):
        path = os.path.normpath(os.path.join(info.cwd, name))
        if os.path.isfile(path):
            return path
    base = split_path(name)[1]
    return next((p for p in open_paths(info.pid) if os.path.basename(p) == base), None)


def _project(obs: Observation, candidates: list[str], name: str | None, title_source: str,
             *, exact: bool = False, named_dir: str | None = None) -> Observation:
    """Project root, name and branch from candidate directories, best first. A project
    name from the title picks among them (`named_dir` is known to be that project's
    folder); without a match, the name alone is reported."""
    for index, directory in enumerate(candidates):
        project = find_project(directory)
        first = exact and index == 0
        if first and project is None:  # a file known to live outside any project
            break
        if name is None or first:
            if project is None:
                continue
            return obs.with_fields(f"project.{project.vcs or 'marker'}", project=project.name,
                                   project_path=project.path, branch=branch_of(project))
        if project is not None and project.name == name:
            return obs.with_fields(f"project.{project.vcs or 'marker'}", project=project.name,
                                   project_path=project.path, branch=branch_of(project))
        if directory == named_dir or os.path.basename(directory.rstrip(os.sep)) == name:
            # The folder the IDE opened (maybe inside a bigger repository) is the project.
            source = f"project.{project.vcs or 'marker'}" if project else title_source
            return obs.with_fields(source, project=name, project_path=directory,
                                   branch=branch_of(project) if project else None)
    return obs.with_fields(title_source, project=name)


# ---- terminals -------------------------------------------------------------------------

def _terminal(obs: Observation, window: WindowInfo, spec: TerminalSpec, source: str
              ) -> Observation:
    obs = obs.with_fields(source, terminal=spec.name)
    title = window.title or ""
    foreground = foreground_processes(window.pid) if window.pid else []
    if foreground:
        seen = _foreground(obs, _pick(foreground, title), title)
        if seen.editor is not None or seen.project is not None:
            return seen
    return _terminal_title(obs, spec, title)


def _pick(candidates: list[ProcInfo], title: str) -> ProcInfo:
    """Among the terminal's tabs, the one its title describes, else the most recent."""
    if len(candidates) > 1:
        for info in candidates:
            if info.name and info.name in title:
                return info
        for info in candidates:
            if info.cwd and os.path.basename(info.cwd) in title:
                return info
    return candidates[0]


def _terminal_editor(words: list[str]) -> EditorSpec | None:
    spec = editor_for([w.lower() for w in words if w])
    return spec if spec is not None and spec.in_terminal else None


def _foreground(obs: Observation, info: ProcInfo, title: str) -> Observation:
    from watchers.tmux import PANES, is_tmux_client

    if is_tmux_client(info):  # what runs in the pane the client shows
        pane = PANES.active_pane(info)
        info = (foreground_of(pane) if pane else None) or info
    if info.name in REMOTE_CLIENTS:  # its local cwd says nothing about the remote work
        return obs
    argv0 = os.path.basename(info.cmdline[0]) if info.cmdline else ""
    editor = _terminal_editor([info.name, argv0])
    if editor is None:
        return _project(obs, [info.cwd] if info.cwd else [], None, "terminal.process")
    obs = obs.with_fields("terminal.process", editor=editor.name)
    facts = parse_editor_title(editor, title) if names_editor(editor, title) else TitleFacts()
    return _editing(obs, facts, info, "terminal.title", "terminal.process")


def _terminal_title(obs: Observation, spec: TerminalSpec, title: str) -> Observation:
    """No process tree: what the title shows (a directory, a command, an editor's title)."""
    from watchers.terminals import parse_terminal_title

    last_words = title.rsplit(" - ", 1)[-1].split()
    editor = _terminal_editor(last_words[:1])
    if editor is not None and names_editor(editor, title):  # vim's "foo.py (~/src) - VIM"
        obs = obs.with_fields("terminal.title", editor=editor.name)
        return _editing(obs, parse_editor_title(editor, title), None, "terminal.title",
                        "terminal.title")
    shown = parse_terminal_title(spec, title)
    local = shown.host is None or _is_this_host(shown.host)
    directory = shown.directory if local and _is_local_abs(shown.directory) else None
    editor = _terminal_editor(list(shown.command[:1]))
    if editor is None:
        return _project(obs, [directory] if directory else [], shown.directory_name,
                        "terminal.title")
    obs = obs.with_fields("terminal.title", editor=editor.name)
    arg = next((a for a in shown.command[1:] if not a.startswith(("-", "+"))), None)
    facts = TitleFacts(file=arg, directory=directory, project=shown.directory_name)
    return _editing(obs, facts, None, "terminal.title", "terminal.title")


# ---- browsers --------------------------------------------------------------------------

def _browser(obs: Observation, window: WindowInfo, spec: BrowserSpec, source: str
             ) -> Observation:
    from watchers.browsers import is_blank_page, parse_browser_title, url_providers
    from watchers.sites import host_of, site_from_title

    tab = parse_browser_title(spec, window.title or "")
    exact, exact_source = None, None
    for provider in url_providers():
        exact = provider.url_for(spec.name, window, tab.page)
        if exact is not None:
            exact_source = f"browser.url.{provider.name}"
            break
    if tab.private or (exact is not None and exact.private):
        sources = {k: v for k, v in obs.sources.items() if k not in ("title", "url", "site")}
        obs = obs.replace(title=None, url=None, site=None, sources=sources)
        private_source = "browser.title" if tab.private else exact_source or "browser.title"
        return obs.with_fields(source, browser=spec.name).with_fields(
            private_source, private=True)
    obs = obs.with_fields(source, browser=spec.name)
    obs = obs.with_fields("browser.title", title=tab.page, private=False, audible=tab.audible)
    if exact is not None and exact_source is not None:
        return obs.with_fields(exact_source, url=exact.url, site=host_of(exact.url))
    if tab.page and not is_blank_page(tab.page):
        obs = obs.with_fields("browser.title", site=site_from_title(tab.page))
    return obs
