"""Real editors, browsers and terminals that no table of ours names (Debian packages, installed
by scripts/setup.sh --test), recognized from their .desktop entries on a real X server: a real
file in a real git repository on a branch, read back by `timeforged now --json`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from tests.gitrepo import make_repo
from tests.xsession import Window, XSession

pytestmark = [pytest.mark.x11, pytest.mark.realapp]
ROOT = Path(__file__).resolve().parents[1]
PAGE_TITLE = "Pull requests · stellar/api · GitHub"


def installed(program: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(program) is None,
                              reason=f"{program} is not installed (scripts/setup.sh --test)")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "stellar-api", "release/2.4", files={
        "src/handler.go": "package main\n\nfunc main() {}\n",
        "page.html": f"<html><head><meta charset=\"utf-8\"><title>{PAGE_TITLE}</title></head>"
                     "<body>hi</body></html>\n"})


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh HOME for the apps (their first-run state, the recent documents list)."""
    path = tmp_path / "home"
    (path / ".local" / "share").mkdir(parents=True)
    return path


@pytest.fixture
def apps(x_session: XSession, home: Path) -> Iterator[Callable[..., Window]]:
    """Starts real apps on the test display; ends them, and whatever they started."""
    started: list[Window] = []
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
           "XDG_CONFIG_HOME": str(home / ".config"), "NO_AT_BRIDGE": "1",
           # root in a container: the browsers' own sandboxes cannot start
           "WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS": "1", "QTWEBENGINE_DISABLE_SANDBOX": "1"}

    def start(*command: str, cwd: Path | None = None) -> Window:
        win = x_session.launch(list(command), cwd=str(cwd or home), env=env)
        started.append(win)
        return win

    yield start
    for win in started:
        with suppress(ProcessLookupError):
            os.killpg(win.proc.pid, signal.SIGTERM)  # the app's own process group
        with suppress(subprocess.TimeoutExpired):
            win.proc.wait(timeout=10)
        with suppress(ProcessLookupError):
            os.killpg(win.proc.pid, signal.SIGKILL)


def now(x_session: XSession, home: Path, win: Window, done: Callable[[dict], bool],
        timeout: float = 30) -> dict:
    """`timeforged now --json` until it describes `win` as `done` wants."""
    env = {**x_session.env, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    deadline = time.monotonic() + timeout
    seen: dict = {}
    while time.monotonic() < deadline:
        win.activate()
        out = subprocess.run([sys.executable, "-m", "desktop.cli", "now", "--json"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        seen = json.loads(out.stdout)
        if seen.get("pid") == win.proc.pid and done(seen):
            return seen
        time.sleep(0.5)
    raise AssertionError(f"never settled; last: {seen}")


def assert_editing(seen: dict, repo: Path, editor: str, file_source: str) -> None:
    assert seen["editor"] == editor
    assert seen["sources"]["editor"] == "editor.desktop"
    assert seen["file"] == str(repo / "src" / "handler.go")
    assert seen["sources"]["file"] == file_source
    assert (seen["project"], seen["branch"], seen["language"]) == (
        "stellar-api", "release/2.4", "Go")


EDITORS = [  # (program, the name its .desktop entry gives, how the file is found)
    ("geany", "Geany", "editor.title"),  # "handler.go - /…/stellar-api/src - Geany"
    ("pluma", "Pluma", "editor.title"),  # "handler.go (/…/src) - Pluma"
    ("featherpad", "FeatherPad", "editor.title"),  # the full path alone
    ("mousepad", "Mousepad", "editor.title"),  # "/…/src/handler.go - Mousepad"
    ("kwrite", "KWrite", "editor.process"),  # "handler.go — KWrite": its command line
    ("SciTE", "SciTE Text Editor", "editor.process"),  # "handler.go - SciTE"
]


@pytest.mark.parametrize(("program", "name", "file_source"), EDITORS,
                         ids=[e[0] for e in EDITORS])
def test_an_editor_we_have_no_row_for_started_on_a_file(x_session, home, apps, repo, program,
                                                        name, file_source):
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (scripts/setup.sh --test)")
    win = apps(program, str(repo / "src" / "handler.go"))
    seen = now(x_session, home, win, lambda s: s.get("file") is not None)
    assert_editing(seen, repo, name, file_source)


@installed("SciTE")
def test_a_file_opened_from_the_editors_own_dialog_is_found_in_recent_documents(
        x_session, home, apps, repo):
    """Only "handler.go - SciTE" in the title, nothing on its command line, no open file
    descriptor: GTK's recently-used.xbel says where it was opened."""
    win = apps("SciTE")
    x_session.xdotool("key", "ctrl+o")
    time.sleep(2.0)  # the file chooser opens, focused
    x_session.xdotool("key", "ctrl+l")  # the chooser's location field
    time.sleep(0.3)
    x_session.xdotool("type", "--delay", "15", str(repo / "src" / "handler.go"))
    time.sleep(0.5)
    x_session.xdotool("key", "Return")
    time.sleep(1.0)
    seen = now(x_session, home, win, lambda s: s.get("file") is not None)
    assert seen["title"] == "handler.go - SciTE"
    assert_editing(seen, repo, "SciTE Text Editor", "editor.recent")


@installed("kwrite")
def test_a_title_word_that_is_no_file_is_not_a_file(x_session, home, apps):
    (home / "notes.md").write_text("")
    win = apps("kwrite")  # "Untitled  — KWrite"
    seen = now(x_session, home, win, lambda s: s.get("editor") is not None)
    assert seen["editor"] == "KWrite"
    assert (seen["file"], seen["project"], seen["language"]) == (None, None, None)


TERMINALS = [  # (program, its .desktop name, the command line that runs vim on the file)
    ("lxterminal", "LXTerminal", ["-e"]),
    ("sakura", "Sakura", ["-e"]),
    ("mate-terminal", "MATE Terminal", ["--disable-factory", "-e"]),
]


@pytest.mark.parametrize(("program", "name", "flags"), TERMINALS, ids=[t[0] for t in TERMINALS])
def test_vim_in_a_terminal_we_have_no_row_for(x_session, home, apps, repo, program, name, flags):
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (scripts/setup.sh --test)")
    vim = shutil.which("vim")
    assert vim is not None, "vim is installed by scripts/setup.sh --test"
    win = apps(program, *flags, f"{vim} src/handler.go", cwd=repo)
    seen = now(x_session, home, win, lambda s: s.get("file") is not None)
    assert seen["terminal"] == name and seen["sources"]["terminal"] == "terminal.desktop"
    assert seen["editor"] == "Vim" and seen["sources"]["editor"] == "terminal.process"
    assert seen["file"] == str(repo / "src" / "handler.go")
    assert (seen["project"], seen["branch"], seen["language"]) == (
        "stellar-api", "release/2.4", "Go")


BROWSERS = [  # (program, its .desktop name, flags)
    ("epiphany", "Web", []),
    ("falkon", "Falkon", []),
]


@pytest.mark.parametrize(("program", "name", "flags"), BROWSERS, ids=[b[0] for b in BROWSERS])
def test_a_browser_we_have_no_row_for(x_session, home, apps, repo, program, name, flags):
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (scripts/setup.sh --test)")
    win = apps(program, *flags, (repo / "page.html").as_uri())
    seen = now(x_session, home, win, lambda s: s.get("title") == PAGE_TITLE, timeout=60)
    assert seen["browser"] == name and seen["sources"]["browser"] == "browser.desktop"
    assert (seen["site"], seen["private"]) == ("github.com", False)


@installed("falkon")
def test_a_private_window_of_a_browser_we_have_no_row_for(x_session, home, apps, repo):
    win = apps("falkon", "--private-browsing", (repo / "page.html").as_uri())
    seen = now(x_session, home, win, lambda s: s.get("private") is not None, timeout=60)
    assert seen["browser"] == "Falkon" and seen["private"] is True
    assert seen["title"] is None and seen["site"] is None
