"""`timeforged-server` as real processes: `--config` reaches the serving processes, and a
second process refuses to serve (or migrate) a SQLite file another one is serving."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from server.db import Database
from server.models import User
from tests.server.conftest import ROOT, ServerProcess, admin, server_env, user_with_key
from tests.server.helpers import post_heartbeat


def status(url: str, key: str) -> int:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_with_config_uses_the_configured_database(database_url, tmp_path):
    config = tmp_path / "server.toml"
    config.write_text(f'database = "{database_url}"\nlog_level = "WARNING"\n'
                      "jobs_interval_seconds = 0\n")
    admin(None, "create-user", "ann", config=config)
    key = admin(None, "create-key", "ann", config=config).strip()
    # several workers on PostgreSQL: each of them must read the same file
    workers = 1 if database_url.startswith("sqlite") else 2
    server = ServerProcess(database_url, tmp_path / "server.log", workers=workers,
                           config=config).start()
    try:
        statuses = [status(f"{server.url}/api/v1/users/current/statusbar/today", key)
                    for _ in range(10)]
    finally:
        server.stop()
    assert statuses == [200] * 10


def _schema(path: Path) -> list[tuple]:
    """The tables, indexes and schema versions, read without writing."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return (conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
                + conn.execute("SELECT key, value FROM meta WHERE key LIKE '%schema_version' "
                               "ORDER BY key").fetchall())


def test_second_server_on_one_sqlite_file_refuses_before_touching_it(tmp_path):
    path = tmp_path / "server.sqlite3"
    url = f"sqlite:///{path}"
    key = user_with_key(url)
    first = ServerProcess(url, tmp_path / "first.log", rate_per_second="100000",
                          rate_burst="100000").start()
    t0 = time.time() - 30_000
    acked: dict[int, list[float]] = {m: [] for m in range(4)}
    refused: list[int] = []
    stop = threading.Event()

    def client(m: int) -> None:  # each machine its own stretch of time: nothing overlaps
        i = 0
        while not stop.is_set() and i < 2000:
            when = t0 + m * 5000 + i * 2.0
            beat = {"entity": f"/src/m{m}.py", "time": when, "language": "Python"}
            code, _ = post_heartbeat(first.port, key, beat, f"box{m}")
            (acked[m].append(when) if code == 201 else refused.append(code))
            i += 1

    threads = [threading.Thread(target=client, args=(m,)) for m in range(4)]
    try:
        for t in threads:
            t.start()
        while sum(map(len, acked.values())) < 100 and all(t.is_alive() for t in threads):
            time.sleep(0.05)
        before = _schema(path)
        env = server_env(url)
        second = [subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=60)
                  for args in (["serve", "--port", str(first.port)], ["migrate"])]
        after = _schema(path)
        count = sum(map(len, acked.values()))
        while sum(map(len, acked.values())) < count + 100 and all(t.is_alive() for t in threads):
            time.sleep(0.05)  # the first server goes on acknowledging heartbeats
        stop.set()
        for t in threads:
            t.join()
        assert first.proc.poll() is None
        today = datetime.now(UTC).date()
        req = urllib.request.Request(
            f"{first.url}/api/v1/users/current/summaries?start="
            f"{datetime.fromtimestamp(t0, UTC).date()}&end={today}",
            headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            counted = json.loads(resp.read())["cumulative_total"]["seconds"]
    finally:
        stop.set()
        first.stop()
    message = (f"another timeforged-server is serving {path} (pid {first.proc.pid}); "
               "stop it first")
    for done in second:
        assert done.returncode != 0
        assert message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert after == before
    assert not refused
    # one span per machine, from its first heartbeat to its last: every 201 is counted
    assert counted == sum(max(beats) - min(beats) for beats in acked.values())


def test_admin_listing_cut_short_by_the_reader_is_no_error(tmp_path):
    """`timeforged-server admin list-users | head -1` with more users than a pipe holds."""
    url = f"sqlite:///{tmp_path}/server.sqlite3"
    db = Database(url)
    db.migrate()
    User.insert_many([{"name": f"user{i:05d}", "email": f"user{i:05d}@example.org",
                       "created": 0.0} for i in range(3000)]).execute()
    db.close()
    proc = subprocess.Popen([sys.executable, "-m", "server", "admin", "list-users"], cwd=ROOT,
                            env=server_env(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"1\tuser00000\t")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1, err  # quiet, as Python's documentation has it
    assert "Traceback" not in err and "Error" not in err, err
