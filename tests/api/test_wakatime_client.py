"""The real WakaTime CLI (wakatime 13.1.0, the last pure-Python one, from PyPI) sends
heartbeats to `timeforged track`, and they show up in `timeforged report`."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from desktop.cli import COMMANDS
from desktop.engine.heartbeats import Heartbeat
from tests.test_heartbeat_accounting import reference

pytestmark = pytest.mark.skipif(not {"track", "report"} <= set(COMMANDS),
                                reason="`timeforged track` and `report` are not registered yet")
ROOT = Path(__file__).resolve().parents[2]
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


class Track:
    """`timeforged track` as a subprocess (no display: the API is served all the same), on
    one home; it can be stopped (the app closed) and started again."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        tf_home = tmp_path / "tf"
        tf_home.mkdir()
        (tf_home / "config.toml").write_text(f"[api]\nport = {self.port}\n")
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.env.update(TIMEFORGED_HOME=str(tf_home), HOME=str(tmp_path / "home"),
                        COLUMNS="200")
        (tmp_path / "home").mkdir()
        self.key_file = tf_home / "api_key"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "track"], cwd=ROOT,
                                     env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, self.proc.communicate()
            try:
                key = self.key_file.read_text().strip()
                req = urllib.request.Request(f"http://127.0.0.1:{self.port}/today", headers={
                    "Authorization": "Basic " + base64.b64encode(key.encode()).decode()})
                with urllib.request.urlopen(req, timeout=2) as resp:
                    assert resp.status == 200
                return
            except (OSError, ValueError):
                assert time.monotonic() < deadline, "the API never answered"
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        self.proc = None
        assert "Traceback" not in err, err
        assert out is not None


@pytest.fixture
def track(tmp_path) -> Iterator[Track]:
    app = Track(tmp_path)
    app.start()
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture
def tracking(track) -> tuple[dict[str, str], int]:
    return track.env, track.port


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


def test_wakatime_cli_heartbeats_show_up_in_report(wakatime_cli, tracking, tmp_path):
    env, port = tracking
    setup = cli(env, "setup-editors")
    assert setup.returncode == 0, setup.stderr
    cfg = Path(env["HOME"]) / ".wakatime.cfg"
    assert f"api_url = http://127.0.0.1:{port}/api/v1" in cfg.read_text()

    main, views = git_project(tmp_path / "webshop")
    t0 = time.time() - 900
    plan = [(main, 0), (main, 60), (main, 120), (views, 180), (views, 240), (views, 300)]
    waka_env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    sent = []
    for path, offset in plan:
        started = time.monotonic()
        run = subprocess.run(
            [str(wakatime_cli), "--config", str(cfg), "--entity", str(path),
             "--time", f"{t0 + offset:.3f}", "--write", "--lineno", "3",
             "--plugin", "vim/9.0 vim-wakatime/10.0"],
            env=waka_env, capture_output=True, text=True, timeout=60)
        sent.append(time.monotonic() - started)
        assert run.returncode == 0, (run.stdout, run.stderr,
                                     (Path(env["HOME"]) / ".wakatime.log").read_text()
                                     if (Path(env["HOME"]) / ".wakatime.log").exists() else "")
    print(f"wakatime CLI: {len(sent)} heartbeats, {sum(sent) / len(sent):.2f} s each")

    tz = datetime.now().astimezone().tzinfo
    frm = datetime.fromtimestamp(t0 - 60, tz).isoformat(timespec="seconds")
    to = datetime.fromtimestamp(t0 + 400, tz).isoformat(timespec="seconds")

    def report(by: str) -> dict:
        result = cli(env, "report", "--from", frm, "--to", to, "--by", by, "--format", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    projects = report("project")
    assert projects["total_seconds"] == pytest.approx(300, abs=1)
    assert [(i["name"], round(i["total_seconds"])) for i in projects["items"]] == [
        ("webshop", 300)]
    assert {i["name"]: round(i["total_seconds"]) for i in report("file")["items"]} == {
        str(main): 180, str(views): 120}
    assert [i["name"] for i in report("editor")["items"]] == ["Vim"]
    assert [i["name"] for i in report("language")["items"]] == ["Python"]
    assert [i["name"] for i in report("branch")["items"]] == ["feature/cart"]
    assert [i["name"] for i in report("category")["items"]] == ["coding"]
    # sending the same heartbeats again (an offline queue replaying) adds nothing
    run = subprocess.run(
        [str(wakatime_cli), "--config", str(cfg), "--entity", str(main), "--time",
         f"{t0 + 60:.3f}", "--write", "--lineno", "3", "--plugin", "vim/9.0 vim-wakatime/10.0"],
        env=waka_env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0
    assert report("project")["total_seconds"] == pytest.approx(300, abs=1)


def test_wakatime_cli_offline_queue_and_late_heartbeats_count_like_wakatime(
        wakatime_cli, track, tmp_path):
    """The app closed for a while: the CLI's queue replays after the next live heartbeat, so
    older heartbeats arrive late; with a restart of the app between. Every second counts."""
    assert cli(track.env, "setup-editors").returncode == 0
    cfg = Path(track.env["HOME"]) / ".wakatime.cfg"
    files = list(git_project(tmp_path / "webshop"))
    t0 = time.time() - 3600
    sent = offline_session(wakatime_cli, cfg, track.env, files, t0, track.stop, track.start)
    expected = reference(sent)
    tz = datetime.now().astimezone().tzinfo
    frm = datetime.fromtimestamp(t0 - 60, tz).isoformat(timespec="seconds")
    to = datetime.fromtimestamp(t0 + 1000, tz).isoformat(timespec="seconds")
    result = cli(track.env, "report", "--from", frm, "--to", to, "--by", "file", "--format",
                 "json")
    assert result.returncode == 0, result.stderr
    got = {i["name"]: i["total_seconds"] for i in json.loads(result.stdout)["items"]}
    assert got == pytest.approx({name: s for (dim, name), s in expected.items()
                                 if dim == "file"}, abs=0.01)
    assert sum(got.values()) == pytest.approx(900, abs=0.01)  # nothing lost, nothing twice
