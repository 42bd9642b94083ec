"""The real WakaTime CLI (wakatime 13.1.0, the last pure-Python one, from PyPI) sends
heartbeats to `timeforged track`, and they show up in `timeforged report`: online, with the
app closed (queued, then replayed late) and out of order."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from desktop.cli import COMMANDS
from tests.test_heartbeat_accounting import reference
from tests.trackproc import Track, cli
from tests.wakatime_cli import git_project, offline_session

pytestmark = pytest.mark.skipif(not {"track", "report"} <= set(COMMANDS),
                                reason="`timeforged track` and `report` are not registered yet")
ROOT = Path(__file__).resolve().parents[2]


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
