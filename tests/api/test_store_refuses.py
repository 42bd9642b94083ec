"""When the disk is full for real (a small tmpfs, filled up), the local API answers 503 with
Retry-After, acknowledges nothing it did not store, and a resend once space returns stores
everything: a failed write marks nothing as seen."""

from __future__ import annotations

import errno
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.engine.config import Config
from desktop.engine.service import Engine
from tests.api.conftest import AwayPoller, Running

BULK = "/api/v1/users/current/heartbeats.bulk"


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 16 MiB tmpfs (needs root or CAP_SYS_ADMIN; skipped otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill `disk` with one file (its path returned) but for `leave` bytes."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        size = 1 << 20
        while size:
            try:
                os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                size //= 2
        os.ftruncate(fd, os.fstat(fd).st_size - leave)
    finally:
        os.close(fd)
    return filler


def stored(running: Running) -> int:
    with running.engine.store._read() as conn:
        return conn.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0]


def test_a_full_disk_is_a_503_and_a_resend_stores_everything(small_disk):
    config = Config()
    config.api.port = 0
    config.focus.hosts_block = False
    engine = Engine(small_disk / "home", config, poller=AwayPoller())
    engine.start()
    assert engine.api is not None, engine.warnings
    running = Running(engine, small_disk / "home")
    try:
        start = time.time() - 6 * 3600
        bulks = [[{"entity": f"/full/{'d' * 1000}/{b}/{i}.py", "time": start + 50 * b + i,
                   "project": "full", "branch": "x" * 500} for i in range(50)]
                 for b in range(100)]
        filler = fill(small_disk, leave=1 << 19)
        answers = []
        for bulk in bulks:
            reply = running.call("POST", BULK, bulk)
            answers.append(reply)
            if reply.status != 201:
                break
        refused = answers[-1]
        assert refused.status == 503, "the full disk never refused a write"
        assert int(refused.headers["retry-after"]) > 0
        assert "is full" in refused.json()["error"]
        accepted = answers[:-1]
        assert accepted, "the disk was full before anything was stored"
        assert all([s for _, s in r.json()["responses"]] == [201] * 50 for r in accepted)
        assert stored(running) == 50 * len(accepted)
        again = running.call("POST", BULK, bulks[len(accepted)])  # still full: still 503
        assert again.status == 503
        # One small heartbeat may still fit where a bulk did not: whatever the answer, true.
        tab = running.call("POST", "/api/v1/browser/tab", {"url": "https://example.org/"})
        assert tab.status in (201, 503), tab.body
        tabs = int(tab.status == 201)
        assert stored(running) == 50 * len(accepted) + tabs

        filler.unlink()
        resent = [running.call("POST", BULK, bulk) for bulk in bulks[:len(answers)]]
        statuses = [[s for _, s in r.json()["responses"]] for r in resent]
        assert statuses == [[202] * 50] * len(accepted) + [[201] * 50]
        tab = running.call("POST", "/api/v1/browser/tab", {"url": "https://example.org/"})
        assert tab.status == 201, tab.body
        assert stored(running) == 50 * len(answers) + tabs + 1
    finally:
        engine.stop()
