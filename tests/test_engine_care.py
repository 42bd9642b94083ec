"""The engine keeps tracking whatever state the database file is in."""

from __future__ import annotations

import os
import time

from desktop.engine import paths
from desktop.engine.service import Engine
from desktop.engine.span import Span
from desktop.engine.store import Store
from desktop.engine.store.care import backup_due, quick_check

HOUR = 3600.0


def _seed(home, *spans: Span) -> None:
    store = Store(paths.database_file(home))
    store.upsert_spans(spans)
    store.backup()
    store.close()


def _garble(path) -> None:
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        extra.unlink(missing_ok=True)
    path.write_bytes(os.urandom(8192))


def test_a_corrupt_file_is_set_aside_and_the_backup_restored(tmp_path):
    t0 = time.time() - 2 * HOUR
    _seed(tmp_path, Span(t0, t0 + 600, app="kept", uuid="a"))
    db = paths.database_file(tmp_path)
    _garble(db)
    assert not quick_check(db)
    engine = Engine(tmp_path)
    try:
        assert any("was corrupt" in w and "restored" in w for w in engine.warnings)
        assert [s.app for s in engine.store.spans(t0 - 1, t0 + HOUR)] == ["kept"]
        assert len(list(tmp_path.glob("timeforged.sqlite3.corrupt-*"))) == 1
    finally:
        engine.stop()


def test_a_corrupt_file_without_backup_starts_afresh(tmp_path):
    db = paths.database_file(tmp_path)
    db.write_bytes(os.urandom(8192))
    engine = Engine(tmp_path)
    try:
        assert any("no healthy backup" in w for w in engine.warnings)
        assert engine.store.spans(0, time.time() + HOUR) == []
    finally:
        engine.stop()


def test_a_file_that_cannot_be_opened_keeps_tracking_in_memory(tmp_path):
    db = paths.database_file(tmp_path)
    db.mkdir()  # in the way: SQLite cannot open a folder
    engine = Engine(tmp_path)
    assert any("cannot be written" in w and "in memory" in w for w in engine.warnings)
    t0 = time.time() - HOUR
    engine.writer.put(Span(t0, t0 + 300, app="in memory", uuid="m"))
    engine.writer.flush()
    assert engine.writer.last_error is None
    db.rmdir()  # the obstacle goes away before the app quits: nothing is lost
    engine.stop()
    store = Store(db)
    assert [s.app for s in store.spans(t0 - 1, t0 + HOUR)] == ["in memory"]
    store.close()


def test_a_daily_backup_of_a_healthy_file(tmp_path):
    db = paths.database_file(tmp_path)
    engine = Engine(tmp_path)
    try:
        assert backup_due(db)
        engine._maintain()
        backups = list(paths.backups_dir(tmp_path).glob("timeforged-*.sqlite3"))
        assert len(backups) == 1 and quick_check(backups[0])
        assert not backup_due(db)
        engine._maintain()
        assert len(list(paths.backups_dir(tmp_path).glob("timeforged-*.sqlite3"))) == 1
    finally:
        engine.stop()
