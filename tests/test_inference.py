"""Inference against this test process (a real pid whose cwd the tests choose) and real
directories: how title facts and process facts combine into a project."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import make_repo
from watchers import processes, projects
from watchers.editors import swap_file_target
from watchers.inference import infer
from watchers.languages import language_for_file, language_from_hint
from watchers.observation import Observation
from watchers.window.base import WindowInfo


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    processes.clear_caches()
    projects.clear_caches()
    yield
    processes.clear_caches()
    projects.clear_caches()


def observe(app: str, title: str, pid: int | None = None) -> Observation:
    return infer(Observation(time=time.time()), WindowInfo(app=app, title=title, pid=pid))


def test_folder_opened_inside_a_monorepo_is_the_project(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "mono", files={"web/app.ts": "", "api/main.go": ""})
    monkeypatch.chdir(repo / "web")
    obs = observe("code", "app.ts - web - Visual Studio Code", os.getpid())
    assert (obs.project, obs.project_path, obs.branch) == ("web", str(repo / "web"), "feature/x")
    assert obs.file == str(repo / "web" / "app.ts")
    assert obs.language == "TypeScript"


def test_file_outside_any_project_is_not_given_the_cwds(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    obs = observe("Gvim", "hosts (/etc) - GVIM", os.getpid())
    assert (obs.file, obs.project, obs.branch) == ("/etc/hosts", None, None)


def test_title_without_a_file_uses_the_process_cwd(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    obs = observe("Gvim", "GVIM", os.getpid())
    assert (obs.editor, obs.project, obs.project_path) == ("gVim", "repo", str(repo))
    assert obs.source_of("project") == "project.git"


def test_remote_titles_never_touch_the_local_disk(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    make_repo(tmp_path / "ops")
    monkeypatch.chdir(tmp_path / "ops")  # a same-named local folder must not be taken
    obs = observe("code", "deploy.yml - ops [SSH: devbox] - Visual Studio Code", os.getpid())
    assert (obs.project, obs.project_path, obs.branch) == ("ops", None, None)
    assert obs.file == "deploy.yml"


FAKE_TERMINAL = """
import os, sys, time
for directory in sys.argv[1:]:
    pid, fd = os.forkpty()  # each child leads a session on its own pty, like a terminal tab
    if pid == 0:
        os.chdir(directory)
        os.execvp("sleep", ["sleep", "600"])
print("ready", flush=True)
time.sleep(600)
"""


@pytest.fixture
def tabs(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path, Path]]:
    """A real process holding two ptys (two 'tabs'), each running `sleep` in a project."""
    alpha = make_repo(tmp_path / "alpha")
    beta = tmp_path / "beta"
    beta.mkdir()
    (beta / "Cargo.toml").write_text("")
    proc = subprocess.Popen([sys.executable, "-c", FAKE_TERMINAL, str(alpha), str(beta)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until both children have exec'd sleep
            processes.clear_caches()
            found = processes.foreground_processes(proc.pid)
            if [info.name for info in found] == ["sleep", "sleep"]:
                break
            time.sleep(0.02)
        yield proc, alpha, beta
    finally:
        for child in processes.children(proc.pid):
            os.kill(child, signal.SIGTERM)
        proc.terminate()
        proc.wait(timeout=5)


def test_terminal_with_tabs_picks_the_one_its_title_names(tabs) -> None:
    proc, alpha, beta = tabs
    assert len(processes.foreground_processes(proc.pid)) == 2
    for title, project in ((f"me@{socket.gethostname()}: ~/beta", beta),
                           ("alpha — -zsh — 80×24", alpha)):
        obs = infer(Observation(time=time.time()),
                    WindowInfo(app="gnome-terminal-server", title=title, pid=proc.pid))
        assert (obs.terminal, obs.project, obs.project_path) == (
            "GNOME Terminal", project.name, str(project))
        assert obs.source_of("terminal") == "terminal.window"


def test_swap_files_name_the_edited_file() -> None:
    assert swap_file_target(("/dev/pts/3", "/src/proj/.app.py.swp")) == "/src/proj/app.py"
    assert swap_file_target(
        ("/home/me/.local/state/nvim/swap//%home%me%src%proj%main.rs.swo",)) == (
        "/home/me/src/proj/main.rs")
    assert swap_file_target(("/usr/lib/libc.so.6", "/tmp/notes.txt")) is None


def test_language_hints_and_file_names() -> None:
    assert language_from_hint("python") == "Python"
    assert language_from_hint("js") == "JavaScript"
    assert language_from_hint("Frobnicate") == "Frobnicate"
    assert language_for_file(r"C:\src\app\Program.cs") == "C#"
    assert language_for_file("/src/Dockerfile") == "Docker"
    assert language_for_file("README") is None
