"""The long-running commands migrate a database in a child: Peewee never loads in them."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import uuid as uuidlib
from pathlib import Path

import pytest

from desktop.engine.span import Span
from desktop.engine.store import Store, migrations
from desktop.engine.store.db import SCHEMA_VERSION, open_database
from desktop.engine.store.rollups import quarters_of
from desktop.engine.store.store import _activity_key, _digest, key_digest
from desktop.engine.store.upgrade import needs_migration
from desktop.engine.sync import Syncer, SyncReport
from desktop.engine.uuids import stored
from tests.store_helpers import T0

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys
from pathlib import Path
from desktop.engine.store import Store
from desktop.engine.store.upgrade import upgrade_in_child
path = Path(sys.argv[1])
upgrade_in_child(path)
store = Store(path)
print(json.dumps({"peewee": "peewee" in sys.modules, "psycopg2": "psycopg2" in sys.modules,
                  "device": store.device}))
store.close()
"""


def probe(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'")
                   .fetchone()[0])


def test_a_new_file_is_made_apart(tmp_path: Path) -> None:
    path = tmp_path / "home" / "timeforged.sqlite3"
    assert needs_migration(path)
    seen = probe(path)
    assert seen["peewee"] is False and seen["psycopg2"] is False
    assert version(path) == SCHEMA_VERSION and not needs_migration(path)
    assert probe(path)["device"] == seen["device"]  # the child's file, kept as made


def test_an_older_file_is_migrated_apart(tmp_path: Path) -> None:
    path = tmp_path / "timeforged.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION - 1),))
    assert needs_migration(path)
    seen = probe(path)
    assert seen["peewee"] is False
    assert version(path) == SCHEMA_VERSION


def test_a_file_that_is_not_a_database_is_left_to_the_store(tmp_path: Path) -> None:
    path = tmp_path / "timeforged.sqlite3"
    path.write_bytes(b"not a database" * 100)
    assert not needs_migration(path)



def _v21_store(path: Path, rng: random.Random) -> list[tuple]:
    """A store file of schema 21 (span rows keyed by a row id, uuids in a unique index) with
    spans written in random order as that schema's store kept them, pushed by sync up to a row
    id; returns the spans as (uuid, start, end, app, source, device, keystrokes, lines added,
    updated)."""
    db = open_database(path, 5)
    migrations.migrate(db, target=21)
    conn = db.connection()
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                     [("device", "laptop"), ("sync_url", "http://sync.test")])
    origins = [("window", "laptop"), ("editor", "laptop"), ("window", "desk")]
    conn.executemany("INSERT INTO origin (id, source, device) VALUES (?, ?, ?)",
                     [(i + 1, *o) for i, o in enumerate(origins)])
    apps = ["code", "firefox", "chat", "term"]
    conn.executemany("INSERT INTO activity (id, key_hash, app, private, audible) "
                     "VALUES (?, ?, ?, 0, 0)",
                     [(i + 1, _digest(_activity_key(Span(0, 1, app=app)))[:8], app)  # v21's hash
                      for i, app in enumerate(apps)])
    rows = []
    for i in range(400):
        start = T0 + rng.uniform(0, 3 * 86_400)
        rows.append((str(uuidlib.uuid4()) if i % 5 else f"imported-{i}", start,
                     start + rng.choice([5.0, 60.0, 900.0, 4000.0]), rng.randrange(len(apps)),
                     rng.choice([0, 0, 1, 2]), rng.randrange(100), rng.choice([0, 0, 3]),
                     1000.0 + i // 40))
    rng.shuffle(rows)
    conn.executemany(
        'INSERT INTO span (uuid, start, "end", activity, origin, keystrokes, clicks, scrolls, '
        "moves, lines_added, lines_deleted, idle_to_active, updated) "
        "VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, ?, 0, 0, ?)",
        [(stored(u), a, b, act + 1, o + 1, k, lines, upd)
         for u, a, b, act, o, k, lines, upd in rows])
    conn.execute("UPDATE meta SET value = ? WHERE key = 'max_duration'",
                 (repr(max(r[2] - r[1] for r in rows)),))
    conn.executemany("INSERT INTO rollup_dirty (bucket) VALUES (?) ON CONFLICT DO NOTHING",
                     [(q,) for r in rows for q in quarters_of(r[1], r[2])])
    # Pushed up to a row in the middle of those last written at 1005.0.
    tied = sorted(i for (i,) in conn.execute("SELECT id FROM span WHERE updated = 1005.0"))
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                     [("sync_push_updated", repr(1005.0)),
                      ("sync_push_id", str(tied[len(tied) // 2]))])
    db.close()
    return [(u, a, b, apps[act], *origins[o], k, lines, upd)
            for u, a, b, act, o, k, lines, upd in rows]


def _by_app(store: Store, lo: float, hi: float) -> dict[tuple[str, str, str], float]:
    """The rolled-up seconds of [lo, hi) per (app, source, device)."""
    totals = store.seconds_by_activity(lo, hi)
    names = store.activities({a for a, _ in totals})
    out: dict[tuple[str, str, str], float] = {}
    for (act, origin), seconds in totals.items():
        key = (names[act][0], *store.origins()[origin])
        out[key] = out.get(key, 0.0) + seconds
    return out


class _Client:
    """Stands in for sync's Client: records the uuids pushed."""

    def __init__(self) -> None:
        self.pushed: list[str] = []

    def push(self, body: dict) -> dict:
        self.pushed += [s["uuid"] for s in body["spans"]]
        return {}


def test_a_v21_file_keyed_by_uuid_keeps_its_spans_totals_and_sync_push(tmp_path: Path) -> None:
    path = tmp_path / "v21.sqlite3"
    spans = _v21_store(path, random.Random(21))
    store = Store(path)
    new = Store(tmp_path / "new.sqlite3", device="laptop")
    schema = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'span' ORDER BY name"
    with sqlite3.connect(path) as a, sqlite3.connect(tmp_path / "new.sqlite3") as b:
        found = a.execute(schema).fetchall()
        assert found == b.execute(schema).fetchall()  # a new file's schema
    assert [name for _, name, _ in found] == ["span", "span_lines", "span_uuid"]
    assert found[0][2].endswith("WITHOUT ROWID")
    # Its activities hashed anew (step 24): found again by their hash, none made twice.
    with sqlite3.connect(path) as a:
        assert a.execute("SELECT key_hash, app FROM activity ORDER BY id").fetchall() == [
            (key_digest(_activity_key(Span(0, 1, app=app))), app)
            for app in ("code", "firefox", "chat", "term")]
    more = [(f"x-{app}", T0 - 60 * i - 60, T0 - 60 * i - 50, app, "window", "laptop", 0, 0,
             float("inf")) for i, app in enumerate(("chat", "code", "new"))]
    store.add_spans([Span(a, b, source, device, uuid=u, app=app)
                     for u, a, b, app, source, device, *_ in more])
    assert len(store.activities(range(1, 10))) == 5
    spans += more
    # The same spans, and the same totals as a new store given them.
    new.add_spans([Span(a, b, source, device, uuid=u, app=app, keystrokes=k, lines_added=n)
                   for u, a, b, app, source, device, k, n, _ in spans])
    lo, hi = T0 - 86_400, T0 + 5 * 86_400
    fields = ("uuid", "start", "end", "app", "source", "device", "keystrokes", "lines_added")
    assert sorted(tuple(getattr(s, f) for f in fields) for s in store.spans(lo, hi)) == \
        sorted(s[:8] for s in spans) == \
        sorted(tuple(getattr(s, f) for f in fields) for s in new.spans(lo, hi))
    assert _by_app(store, lo, hi) == pytest.approx(_by_app(new, lo, hi), rel=1e-12)
    assert len(_by_app(store, lo, hi)) == 13  # with the new app's
    assert store.lines_by_day() == new.lines_by_day() != {}
    # Sync pushes on from its row id: every span of the device written at the cursor's time
    # (those pushed before again) or after, none skipped, in pages cut among equal times;
    # then only what is new.
    syncer = Syncer(store, "http://sync.test", key="k", batch=7)
    client = _Client()
    syncer._push(client, syncer._cursors(), SyncReport())
    assert sorted(client.pushed) == sorted(u for u, *_, device, _, _, upd in spans
                                           if device == "laptop" and upd >= 1005.0)
    later = Span(T0 + 9 * 86_400, T0 + 9 * 86_400 + 60, "window", "laptop", app="code")
    store.upsert_spans([later])
    client = _Client()
    syncer._push(client, syncer._cursors(), SyncReport())
    assert client.pushed == [later.uuid]
    store.close()
    new.close()
