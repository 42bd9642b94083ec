"""The real WakaTime CLI (wakatime 13.1.0 from PyPI, in its own venv) and what the tests do
with it, against the local API and the sync server alike."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.engine.heartbeats import Heartbeat

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "tests" / ".venv-wakatime"
# wakatime<14 imports Mapping & co. from `collections`, gone since Python 3.10.
SITECUSTOMIZE = """\
import collections
import collections.abc

for _name in ("Mapping", "MutableMapping", "Sequence", "MutableSequence", "Iterable",
              "Iterator", "Callable", "Set", "MutableSet", "Hashable", "Sized", "Container"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
"""


@pytest.fixture(scope="session")
def wakatime_cli() -> Path:
    """tests/.venv-wakatime/bin/wakatime, installed from PyPI on first use (gitignored)."""
    exe = VENV / "bin" / "wakatime"
    if not exe.exists():
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(VENV)], check=True, timeout=120)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "wakatime<14"], check=True,
                       timeout=600)
    purelib = subprocess.run(
        [str(VENV / "bin" / "python"), "-c",
         "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    (Path(purelib) / "sitecustomize.py").write_text(SITECUSTOMIZE)
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and "13.1.0" in version.stdout + version.stderr, version
    return exe


def waka(cli_exe: Path, cfg: Path, env: dict[str, str], entity: Path, when: float,
         *extra: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """One run of the real WakaTime CLI, as vim-wakatime runs it."""
    return subprocess.run(
        [str(cli_exe), "--config", str(cfg), "--entity", str(entity), "--time", f"{when:.3f}",
         "--write", "--lineno", "3", "--plugin", "vim/9.0 vim-wakatime/10.0", *extra],
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"}, input=stdin, capture_output=True,
        text=True, timeout=60)


def git_project(root: Path, branch: str = "feature/cart") -> tuple[Path, Path]:
    """A real git repository with two source files."""
    (root / "src").mkdir(parents=True)
    main, views = root / "src" / "main.py", root / "src" / "views.py"
    main.write_text("import os\n\n\ndef main():\n    print(os.getcwd())\n")
    views.write_text("def index():\n    return 'hello'\n")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", "-b", branch], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)
    return main, views


def offline_session(wakatime_cli: Path, cfg: Path, env: dict[str, str], files: list[Path],
                    t0: float, stop: Callable[[], None], start: Callable[[], None]
                    ) -> list[Heartbeat]:
    """What a day with the API gone for a while looks like to WakaTime's CLI: heartbeats
    sent live, then queued while the API is down, then a live one after it is back (the CLI
    sends it first, then replays its queue), then a bulk of late ones out of order. Returns
    the heartbeats sent, for the reference rule."""
    main, views = files
    sent: list[Heartbeat] = []

    def send(path: Path, offset: float, ok: bool = True, stdin: str | None = None,
             *extra: str) -> None:
        run = waka(wakatime_cli, cfg, env, path, t0 + offset, *extra, stdin=stdin)
        assert (run.returncode == 0) == ok, (run.returncode, run.stdout, run.stderr)
        sent.append(Heartbeat(entity=str(path), time=t0 + offset))

    for offset, path in ((0, main), (60, main), (120, views)):
        send(path, offset)
    stop()  # the app is closed: the CLI queues in ~/.wakatime.db
    for offset, path in ((180, views), (300, main), (420, main), (500, views)):
        send(path, offset, ok=False)
    start()
    send(main, 900)  # live; the queue replays after it: older heartbeats arrive late
    late = [(860, views), (560, main), (700, views)]
    extra = json.dumps([{"entity": str(p), "time": t0 + o, "type": "file", "is_write": True}
                        for o, p in late[1:]])
    send(late[0][1], late[0][0], True, extra, "--extra-heartbeats")
    sent += [Heartbeat(entity=str(p), time=t0 + o) for o, p in late[1:]]
    return sent
