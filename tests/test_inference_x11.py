"""Inference on a real X server: real xterms running real processes (vim, sleep) inside a real
git repository on a branch, read back through the real X11 window watcher."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gitrepo import make_repo
from tests.xsession import Window, XSession
from watchers import processes, projects
from watchers.inference import infer
from watchers.observation import Observation
from watchers.window.x11 import X11WindowWatcher

pytestmark = pytest.mark.x11

VIM = shutil.which("vim")
needs_vim = pytest.mark.skipif(VIM is None, reason="vim is not installed (scripts/setup.sh --test)")


@pytest.fixture
def watcher(x_session: XSession) -> Iterator[X11WindowWatcher]:
    w = X11WindowWatcher(x_session.display)
    yield w
    w.close()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", files={"foo.py": "print('hi')\n",
                                               "pkg/mod.rs": "fn main() {}\n"})


@pytest.fixture
def windows() -> Iterator[list[Window]]:
    opened: list[Window] = []
    yield opened
    for win in opened:
        win.close()


def observe_until(watcher: X11WindowWatcher, win: Window,
                  done: Callable[[Observation], bool], timeout: float = 15) -> Observation:
    """Infer on the focused window until `done` holds (processes take a moment to exec)."""
    deadline = time.monotonic() + timeout
    obs = None
    while time.monotonic() < deadline:
        window = watcher.active_window()
        if window is not None and window.pid == win.proc.pid:
            processes.clear_caches()
            projects.clear_caches()
            obs = infer(Observation(time=time.time(), app=window.app, title=window.title,
                                    pid=window.pid), window)
            if done(obs):
                return obs
        time.sleep(0.1)
    raise AssertionError(f"inference never settled; last: {obs}")


def assert_editing(obs: Observation, repo: Path, file: Path, language: str) -> None:
    assert obs.file == str(file)
    assert obs.project == "repo"
    assert obs.project_path == str(repo)
    assert obs.branch == "feature/x"
    assert obs.language == language
    assert obs.source_of("project") == "project.git"
    assert obs.source_of("language") == "language.pygments"


@needs_vim
def test_vim_in_xterm_is_editing_in_its_project(x_session: XSession, watcher, repo: Path,
                                                windows: list[Window]) -> None:
    win = x_session.open_window("shell", "XTerm", command=[VIM, "foo.py"], cwd=str(repo))
    windows.append(win)
    obs = observe_until(watcher, win, lambda o: o.file is not None)
    assert (obs.terminal, obs.editor) == ("xterm", "Vim")
    assert obs.source_of("terminal") == "terminal.window"
    assert obs.source_of("editor") == "terminal.process"
    assert obs.source_of("file") in ("terminal.process", "terminal.title")  # vim may set it
    assert_editing(obs, repo, repo / "foo.py", "Python")


@needs_vim
def test_vim_under_a_shell_without_job_control(x_session: XSession, watcher, repo: Path,
                                               windows: list[Window]) -> None:
    """`sh -c` keeps vim in the shell's process group: the shell is not the answer."""
    win = x_session.open_window("build", "XTerm", cwd=str(repo),
                                command=["sh", "-c", f"{VIM} -c 'set notitle' pkg/mod.rs; true"])
    windows.append(win)
    obs = observe_until(watcher, win, lambda o: o.editor is not None)
    assert obs.editor == "Vim" and obs.source_of("file") == "terminal.process"
    assert_editing(obs, repo, repo / "pkg" / "mod.rs", "Rust")


@needs_vim
def test_file_opened_inside_vim_found_by_its_swap_file(x_session: XSession, watcher, repo: Path,
                                                       windows: list[Window]) -> None:
    win = x_session.open_window("notitle", "XTerm", cwd=str(repo),
                                command=[VIM, "-c", "set notitle"])
    windows.append(win)
    observe_until(watcher, win, lambda o: o.editor == "Vim")
    x_session.xdotool("type", "--window", str(win.wid), "--delay", "20", ":e foo.py\r")
    obs = observe_until(watcher, win, lambda o: o.file is not None)
    assert obs.source_of("file") == "terminal.process"
    assert_editing(obs, repo, repo / "foo.py", "Python")


def test_shell_command_in_a_repo_gives_project_and_branch(x_session: XSession, watcher,
                                                         repo: Path,
                                                         windows: list[Window]) -> None:
    win = x_session.open_window("me@box: ~/x", "XTerm", command=["sleep", "600"],
                                cwd=str(repo / "pkg"))
    windows.append(win)
    obs = observe_until(watcher, win, lambda o: o.project is not None)
    assert (obs.terminal, obs.editor, obs.file) == ("xterm", None, None)
    assert (obs.project, obs.project_path, obs.branch) == ("repo", str(repo), "feature/x")
    assert obs.source_of("branch") == "project.git"


def test_vs_code_window_title_and_process_cwd(x_session: XSession, watcher, repo: Path,
                                              windows: list[Window]) -> None:
    win = x_session.open_window("● foo.py - repo - Visual Studio Code", "code",
                                command=["sleep", "600"], cwd=str(repo))
    windows.append(win)
    obs = observe_until(watcher, win, lambda o: o.project_path is not None)
    assert obs.editor == "VS Code" and obs.terminal is None
    assert obs.source_of("editor") == "editor.window"
    assert obs.source_of("file") == "editor.title"
    assert_editing(obs, repo, repo / "foo.py", "Python")


def test_vs_code_folder_not_found_keeps_the_title_project(x_session: XSession, watcher,
                                                          repo: Path, tmp_path: Path,
                                                          windows: list[Window]) -> None:
    win = x_session.open_window("main.go - elsewhere - Visual Studio Code", "code",
                                command=["sleep", "600"], cwd=str(tmp_path))
    windows.append(win)
    obs = observe_until(watcher, win, lambda o: o.editor is not None)
    assert (obs.file, obs.project, obs.project_path, obs.branch) == (
        "main.go", "elsewhere", None, None)
    assert obs.language == "Go" and obs.source_of("project") == "editor.title"


TMUX = shutil.which("tmux")


@needs_vim
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (scripts/setup.sh --test)")
def test_tmux_active_pane(x_session: XSession, watcher, repo: Path, tmp_path: Path,
                          windows: list[Window]) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text("")
    socket = f"tf-test-{os.getpid()}"
    tmux = [TMUX, "-L", socket, "-f", os.devnull]
    win = x_session.open_window("tmux", "XTerm", cwd=str(repo),
                                command=[*tmux, "new-session", f"{VIM} foo.py"])
    windows.append(win)
    try:
        obs = observe_until(watcher, win, lambda o: o.file is not None)
        assert (obs.terminal, obs.editor) == ("xterm", "Vim")
        assert_editing(obs, repo, repo / "foo.py", "Python")
        # A new pane (now the active one) in another project; the client's cwd stays `repo`.
        subprocess.run([*tmux, "split-window", "-c", str(other), "sleep 600"],
                       check=True, timeout=10)
        obs = observe_until(watcher, win, lambda o: o.editor is None)
        assert (obs.project, obs.project_path, obs.branch) == ("other", str(other), None)
        assert obs.file is None and obs.source_of("project") == "project.marker"
        subprocess.run([*tmux, "select-pane", "-t", "{previous}"], check=True, timeout=10)
        obs = observe_until(watcher, win, lambda o: o.editor == "Vim")
        assert obs.project == "repo"
    finally:
        subprocess.run([*tmux, "kill-server"], timeout=10)


def test_terminal_title_fills_in_when_the_process_shows_nothing(x_session: XSession, watcher,
                                                                repo: Path,
                                                                windows: list[Window]) -> None:
    win = x_session.open_window(f"me@{socket.gethostname()}: {repo}/pkg", "XTerm",
                                command=["sleep", "600"], cwd="/")
    windows.append(win)
    obs = observe_until(watcher, win, lambda o: o.project is not None)
    assert (obs.project, obs.project_path, obs.branch) == ("repo", str(repo), "feature/x")
    assert obs.source_of("project") == "project.git"
    win.set_title(f"me@faraway-host: {repo}/pkg")  # the same path on another machine
    obs = observe_until(watcher, win, lambda o: o.title is not None and "faraway" in o.title)
    assert (obs.terminal, obs.project, obs.project_path) == ("xterm", None, None)
