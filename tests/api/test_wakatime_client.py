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
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from desktop.cli import COMMANDS

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


@pytest.fixture
def tracking(tmp_path) -> Iterator[tuple[dict[str, str], int]]:
    """`timeforged track` as a subprocess (no display: the API is served all the same)."""
    port = free_port()
    tf_home = tmp_path / "tf"
    tf_home.mkdir()
    (tf_home / "config.toml").write_text(f"[api]\nport = {port}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(TIMEFORGED_HOME=str(tf_home), HOME=str(tmp_path / "home"), COLUMNS="200")
    (tmp_path / "home").mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "track"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        key_file = tf_home / "api_key"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.communicate()
            try:
                key = key_file.read_text().strip()
                req = urllib.request.Request(f"http://127.0.0.1:{port}/today", headers={
                    "Authorization": "Basic " + base64.b64encode(key.encode()).decode()})
                with urllib.request.urlopen(req, timeout=2) as resp:
                    assert resp.status == 200
                break
            except (OSError, ValueError):
                assert time.monotonic() < deadline, "the API never answered"
                time.sleep(0.2)
        yield env, port
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, (out, err)


def test_wakatime_cli_heartbeats_show_up_in_report(wakatime_cli, tracking, tmp_path):
    env, port = tracking
    setup = cli(env, "setup-editors")
    assert setup.returncode == 0, setup.stderr
    cfg = Path(env["HOME"]) / ".wakatime.cfg"
    assert f"api_url = http://127.0.0.1:{port}/api/v1" in cfg.read_text()

    repo = tmp_path / "webshop"
    (repo / "src").mkdir(parents=True)
    main = repo / "src" / "main.py"
    main.write_text("import os\n\n\ndef main():\n    print(os.getcwd())\n")
    views = repo / "src" / "views.py"
    views.write_text("def index():\n    return 'hello'\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "feature/cart"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)

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
