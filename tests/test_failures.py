"""When things go wrong for real: a full disk (a real tmpfs), a read-only medium (a tmpfs
remounted read-only), `timeforged track` killed with SIGKILL. Nothing is acknowledged that is
not on disk, what is kept in memory is saved once it can be, and the messages say what
happened."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from itertools import pairwise
from pathlib import Path

import pytest

from desktop.engine.config import Config
from desktop.engine.service import Engine
from desktop.engine.span import Span
from desktop.engine.store import Store
from tests.api.conftest import send
from tests.trackproc import Track, cli
from watchers.observation import Observation

NOW = time.time()


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of `size` mounted on `where` (skips when this machine cannot mount)."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> Path:
    """Write a file in `folder` until its filesystem is full; returns it."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as fh, suppress(OSError):
        while True:
            fh.write(b"\0" * 4096)
    return filler


def beats(start: float, n: int, entity: str = "/w/app.py") -> list[dict]:
    return [{"entity": entity, "time": start + 30 * i, "project": "w", "language": "Python"}
            for i in range(n)]


def stored_times(db: Path) -> set[float]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {t for (t,) in conn.execute("SELECT time FROM heartbeat")}
    finally:
        conn.close()


def test_a_full_disk_answers_503_until_space_returns_and_loses_nothing(tmp_path):
    with tmpfs(tmp_path / "mnt", "3m") as mnt:
        app = Track(tmp_path, mnt / "tf")
        app.start()
        key = app.key_file.read_text().strip()
        try:
            filler = fill(mnt)
            posted, statuses, refused = [], [], []
            for i in range(120):  # bulks of 50 until the disk refuses for a while
                bulk = beats(NOW - 3 * 3600 + i * 1500, 50)
                reply = send(app.port, "POST", "/api/v1/users/current/heartbeats.bulk", bulk,
                             key=key)
                statuses.append(reply.status)
                if reply.status == 503:
                    assert int(reply.headers["retry-after"]) > 0
                    refused.append(bulk)
                    if len(refused) >= 3:
                        break
                else:
                    assert reply.status == 201, reply.body
                    items = json.loads(reply.body)["responses"]
                    assert {status for _, status in items} == {201}
                    posted += bulk
            assert refused, f"the disk never filled up: {statuses}"
            # Nothing answered 201 is missing; nothing refused was stored.
            db = mnt / "tf" / "timeforged.sqlite3"
            times = stored_times(db)
            assert {b["time"] for b in posted} <= times
            assert not {b["time"] for bulk in refused for b in bulk} & times
            status = cli(app.env, "status")
            assert "Not saving" in status.stdout and "full" in status.stdout, status.stdout

            filler.unlink()
            for bulk in refused:  # the client retries: everything is stored now
                reply = send(app.port, "POST", "/api/v1/users/current/heartbeats.bulk", bulk,
                             key=key)
                assert reply.status == 201, reply.body
            assert {b["time"] for b in posted + [b for x in refused for b in x]} <= \
                stored_times(db)
            assert "Not saving" not in cli(app.env, "status").stdout
        finally:
            assert app.proc is not None
            app.proc.send_signal(signal.SIGINT)
            out, err = app.proc.communicate(timeout=30)
            app.proc = None
        assert "Stopped; everything is saved." in out, (out, err)


class Scripted:
    """A window that is always focused (the engine's poller, scripted)."""

    def poll(self) -> Observation:
        return Observation(time=time.time(), app="Mousepad", title="notes.txt - Mousepad",
                           idle_seconds=0.0)

    def close(self) -> None:
        pass


def engine_on(home: Path) -> Engine:
    config = Config()
    config.api.enabled = False
    config.focus.hosts_block = False
    config.tracking.poll_interval = 0.2
    config.tracking.flush_interval = 0.5
    return Engine(home, config, poller=Scripted())


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_tracking_kept_in_memory_while_the_disk_is_full_is_saved_when_space_returns(tmp_path):
    with tmpfs(tmp_path / "mnt", "3m") as mnt:
        engine = engine_on(mnt / "tf")
        engine.start()
        try:
            wait_for(lambda: engine.store.spans(0, 4e9))
            filler = fill(mnt)
            wait_for(lambda: engine.status().store_error is not None)
            assert "full" in (engine.status().store_error or "")
            filler.unlink()
            wait_for(lambda: engine.status().store_error is None)
        finally:
            unsaved = engine.stop()
        assert unsaved.spans == 0 and unsaved.describe() == "Stopped; everything is saved."
        spans = Store(mnt / "tf" / "timeforged.sqlite3").spans(0, 4e9)
        assert spans and spans[-1].end >= NOW


def test_stopping_with_the_disk_still_full_says_what_is_lost(tmp_path):
    with tmpfs(tmp_path / "mnt", "3m") as mnt:
        engine = engine_on(mnt / "tf")
        engine.start()
        try:
            wait_for(lambda: engine.store.spans(0, 4e9))
            fill(mnt)
            wait_for(lambda: engine.status().store_error is not None)
            time.sleep(1.0)  # more tracked, not saved
        finally:
            unsaved = engine.stop()
        assert unsaved.spans >= 1 and unsaved.seconds > 0
        assert unsaved.start is not None and unsaved.end is not None
        assert unsaved.start < unsaved.end <= time.time()
        text = unsaved.describe()
        assert text.startswith(f"Stopped; NOT saved: {unsaved.spans} spans") and "full" in text


def test_a_read_only_medium_can_be_read_and_track_says_one_true_thing(tmp_path):
    with tmpfs(tmp_path / "mnt", "8m") as mnt:
        home = mnt / "tf"
        home.mkdir()
        store = Store(home / "timeforged.sqlite3")
        store.add_spans([Span(NOW - 7200, NOW - 3600, app="code", title="x", project="alpha")])
        store.close()
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        before = sorted(p.name for p in home.iterdir())
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env.update(TIMEFORGED_HOME=str(home), HOME=str(tmp_path), COLUMNS="200")

        report = cli(env, "report", "--from", "2000-01-01", "--to", "2100-01-01", "--by",
                     "project", "--format", "json")
        assert report.returncode == 0, report.stderr
        assert json.loads(report.stdout)["total_seconds"] == 3600
        assert "cannot be written" in report.stderr and "read-only" in report.stderr
        assert sorted(p.name for p in home.iterdir()) == before

        done = cli(env, "track", "--duration", "2")
        said = done.stdout + done.stderr
        assert "everything is saved" not in said and "Tracking into" not in said, said
        assert said.count("Stopped") == 1 and "nothing was tracked" in said, said
        assert "cannot be written" in said, said


def test_sigkill_loses_no_acknowledged_heartbeat(tmp_path):
    """20 SIGKILLs of `timeforged track` while an editor posts one heartbeat at a time: every
    heartbeat answered 201 is in the database afterwards, and the stream carries on."""
    app = Track(tmp_path)
    acked: list[float] = []
    t = NOW - 6 * 3600
    for _ in range(20):
        app.start()
        key = app.key_file.read_text().strip()
        stop = threading.Event()
        killer = threading.Timer(0.6, stop.set)
        killer.start()
        while not stop.is_set():
            t += 20
            with suppress(OSError):
                reply = send(app.port, "POST", "/api/v1/users/current/heartbeats",
                             {"entity": "/k/main.py", "time": t, "project": "k"}, key=key)
                if reply.status == 201:
                    acked.append(t)
        assert app.proc is not None
        app.proc.send_signal(signal.SIGKILL)
        app.proc.wait(timeout=30)
        app.proc = None
    stored = stored_times(app.home / "timeforged.sqlite3")
    lost = sorted(set(acked) - stored)
    print(f"\n20 x SIGKILL: {len(acked)} heartbeats acknowledged, {len(lost)} lost")
    assert len(acked) > 20 and not lost
    app.start()  # the stream continues: the spans join across the kills
    try:
        report = cli(app.env, "report", "--from", "2000-01-01", "--to", "2100-01-01", "--by",
                     "project", "--format", "json")
        total = json.loads(report.stdout)["total_seconds"]
        ordered = sorted(stored)
        assert total == pytest.approx(sum(b - a for a, b in pairwise(ordered) if b - a < 900))
    finally:
        app.stop()
