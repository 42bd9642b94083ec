"""Uuids in the store: canonical UUID strings as 16 bytes, other ids as text (desktop.engine.
uuids), strings everywhere else; the activities' key hashes as 8 bytes, activities
that share one told apart by their fields; schema step 21 converts a file's rows."""

from __future__ import annotations

import random
import sqlite3
import uuid as uuidlib

from hypothesis import given
from hypothesis import strategies as st

from desktop.engine.span import Span
from desktop.engine.store import Store, deletions, migrations
from desktop.engine.store import store as storelib
from desktop.engine.store.db import open_database
from desktop.engine.store.store import _activity_key, _activity_keys, _key_hash
from desktop.engine.timeline import resolve_raw
from desktop.engine.uuids import prefix_range, stored, stored_all, text_of
from tests.store_helpers import T0

CANONICAL = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
OTHERS = ["u1", "", CANONICAL.upper(), CANONICAL.replace("-", ""), "{" + CANONICAL + "}",
          "0f1e2d3c 4b5a-4968-8776-a5b4c3d2e1f0", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1fg",
          "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f", "0f1e2d3c-4b5a-4968-8776 a5b4c3d2e1f00",
          "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f\u0660", "urn:uuid:" + CANONICAL]


def test_canonical_uuids_are_16_bytes_and_other_ids_text():
    assert stored(CANONICAL) == uuidlib.UUID(CANONICAL).bytes
    assert text_of(stored(CANONICAL)) == CANONICAL
    for other in OTHERS:
        assert stored(other) == other and text_of(other) == other


@given(st.lists(st.one_of(st.uuids().map(str), st.sampled_from(OTHERS),
                          st.text(alphabet="0123456789abcdefABCDEF-/ ", max_size=40))))
def test_a_batch_is_stored_as_each_of_its_ids(texts):
    assert stored_all(texts) == [stored(t) for t in texts]


def test_a_batch_of_canonical_ids_is_bytes_unless_one_is_not():
    ids = [str(uuidlib.uuid4()) for _ in range(50)]
    assert stored_all(ids) == [uuidlib.UUID(u).bytes for u in ids]
    for other in OTHERS:  # anywhere in the batch, of any length: the others stay bytes
        for at in (0, 25, 50):
            mixed = [*ids[:at], other, *ids[at:]]
            assert stored_all(mixed) == [stored(t) for t in mixed]
    shifted = [ids[0][:35], ids[0][35] + ids[1]]  # the same characters, cut elsewhere
    assert stored_all(shifted) == shifted
    assert stored_all([]) == []


def test_activity_keys_are_the_activity_fields():
    span = Span(0, 1, app="a", title="t", url="u", site="s", file="f", project="p", branch="b",
                language="l", editor="e", browser="w", terminal="k", private=True,
                audible=False, category="c")
    assert _activity_keys([span]) == [_activity_key(span)] == [span.activity_key()]
    assert len(set(_activity_key(span))) == len(storelib.ACTIVITY_FIELDS)  # each field apart


@given(st.uuids())
def test_every_uuid_string_round_trips(u):
    assert text_of(stored(str(u))) == str(u) and len(stored(str(u))) == 16
    assert stored(str(u).upper()) == str(u).upper() or str(u) == str(u).upper()


@given(st.uuids(), st.uuids())
def test_stored_uuids_compare_as_their_strings(a, b):
    assert (stored(str(a)) < stored(str(b))) == (str(a) < str(b))


def test_prefix_range():
    assert prefix_range("0F1E2D3C-4B") == (bytes.fromhex("0f1e2d3c4b" + "0" * 22),
                                           bytes.fromhex("0f1e2d3c4b" + "f" * 22))
    assert prefix_range("") == (bytes(16), b"\xff" * 16)
    assert prefix_range("0f1e2d3c4b") is None  # no canonical string has no dash there
    assert prefix_range("u1") is None and prefix_range(CANONICAL + "0") is None


def test_the_store_keeps_each_id_as_it_came(tmp_path):
    path = tmp_path / "tf.sqlite3"
    store = Store(path, device="dev-a")
    upper = str(uuidlib.uuid4()).upper()
    ids = [CANONICAL, "u1", "", upper, CANONICAL.replace("-", ""), "{" + upper + "}",
           "0f1e2d3c 4b5a-4968-8776-a5b4c3d2e1f0", str(uuidlib.uuid4())]
    store.add_spans([Span(T0 + 100 * i, T0 + 100 * i + 60, uuid=u, app=f"a{i}")
                     for i, u in enumerate(ids)])
    # Upserts find them by uuid: no second row.
    store.upsert_spans([Span(T0 + 100 * i, T0 + 100 * i + 70, uuid=u, app=f"a{i}")
                        for i, u in enumerate(ids)])
    assert [s.uuid for s in store.spans(T0, T0 + 10_000)] == ids
    assert {s.end - s.start for s in store.spans(T0, T0 + 10_000)} == {70}
    conn = sqlite3.connect(path)
    kinds = dict(conn.execute("SELECT start, typeof(uuid) FROM span"))
    assert [kinds[T0 + 100 * i] for i in range(len(ids))] == \
        ["blob", *["text"] * 6, "blob"]
    conn.close()
    for u in (CANONICAL, "u1", ids[-1], upper.lower(), CANONICAL.replace("-", "")):
        assert store.span_by_uuid(u).uuid in (u, u.upper())
    assert store.span_by_uuid(CANONICAL[:9].upper()).uuid == CANONICAL
    assert store.span_by_uuid("0F1E2D3C4B").uuid == CANONICAL.replace("-", "")
    assert store.span_by_uuid("u").uuid == "u1"
    assert store.span_by_uuid("0f1e") is None  # three of them start so, in any case
    assert store.span_by_uuid(CANONICAL[:8]) is None  # a blob and a text
    assert store.versions_here([CANONICAL, "u1", "nothing"]).keys() == {CANONICAL, "u1"}
    assert sorted(s.uuid for s, _ in store.changed_spans((0.0, None), "dev-a", 100)) == \
        sorted(ids)
    store.close()


def test_a_deletion_splits_under_the_uuid_derived_from_the_string(tmp_path):
    store = Store(tmp_path / "tf.sqlite3", device="dev-a")
    store.add_spans([Span(T0, T0 + 600, uuid=CANONICAL, app="a"),
                     Span(T0 + 1000, T0 + 1600, uuid="u1", app="b")])
    gone = str(uuidlib.uuid4())
    store.delete_range(T0 + 100, T0 + 200)
    store.delete_range(T0 + 1100, T0 + 1200, uuid=gone, device="dev-b")
    assert store.delete_range(T0 + 1100, T0 + 1200, uuid=gone, device="dev-b") == 0  # once
    assert [s.uuid for s in store.spans(T0, T0 + 2000)] == [
        CANONICAL, deletions.split_uuid(CANONICAL, T0 + 200),
        "u1", deletions.split_uuid("u1", T0 + 1200)]
    assert [d["uuid"] for d in store.deletions_since(0, "dev-b")] == [gone]
    store.close()


def test_ties_resolve_by_the_uuid_string_whatever_its_stored_form():
    """Same start, same priority: the smaller uuid string wins, stored as bytes or not."""
    rng = random.Random(7)
    for _ in range(200):
        ids = [rng.choice([str(uuidlib.UUID(int=rng.getrandbits(128))),
                           f"{rng.randrange(16):x}{rng.choice('-g')}"]) for _ in range(4)]
        items = [(T0 + rng.choice([0, 10]), T0 + rng.choice([20, 30, 40]), rng.choice([1, 2]),
                  u, i) for i, u in enumerate(ids)]
        assert resolve_raw([(*it[:3], stored(it[3]), it[4]) for it in items]) == \
            resolve_raw(items)


def test_migration_v21_stores_the_uuids_as_bytes(tmp_path):
    path = tmp_path / "v20.sqlite3"
    db = open_database(path, 5)
    migrations.migrate(db, target=20)
    conn = db.connection()
    conn.execute("INSERT INTO meta VALUES ('device', 'laptop')")
    conn.execute("INSERT INTO origin (id, source, device) VALUES (1, 'window', 'laptop')")
    conn.execute("INSERT INTO activity (id, key_hash, app, title, private, audible) "
                 "VALUES (1, 'h1', 'code', 'a.py - alpha', 0, 0)")
    known = Span(0, 1, app="code", title="b.py - alpha")
    conn.execute("INSERT INTO activity (id, key_hash, app, title, private, audible) "
                 "VALUES (2, ?, 'code', 'b.py - alpha', 0, 0)", (_key_hash(_activity_key(known)),))
    ids = [str(uuidlib.uuid4()) for _ in range(30)] + OTHERS
    conn.executemany('INSERT INTO span (uuid, start, "end", activity, origin, keystrokes, '
                     "clicks, scrolls, moves, lines_added, lines_deleted, updated) "
                     "VALUES (?, ?, ?, 1, 1, 0, 0, 0, 0, 0, 0, ?)",
                     [(u, T0 + 100 * i, T0 + 100 * i + 60, 5.0 + i) for i, u in enumerate(ids)])
    conn.execute("INSERT INTO deletion (uuid, device, start, \"end\", created) "
                 "VALUES (?, 'laptop', ?, ?, 1.0)", (CANONICAL, T0 - 500, T0 - 400))
    conn.executemany("INSERT INTO span_edit (uuid) VALUES (?)", [(ids[0],), ("u1",)])
    db.close()
    store = Store(path)
    assert [s.uuid for s in store.spans(T0, T0 + 10**5)] == ids
    assert [s.uuid for s, _ in store.changed_spans((0.0, None), "other", 100)] == \
        [ids[0], "u1"]  # edited
    assert [d["uuid"] for d in store.deletions_since(0, "laptop")] == [CANONICAL]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT typeof(uuid), COUNT(*), MIN(updated) FROM span "
                        "GROUP BY 1 ORDER BY 1").fetchall() == [("blob", 30, 5.0),
                                                                ("text", len(OTHERS), 35.0)]
    assert conn.execute("SELECT typeof(uuid) FROM deletion").fetchall() == [("blob",)]
    # Step 24 hashed every key anew (its 8 bytes, or text that was no hash, gone).
    assert conn.execute("SELECT id, key_hash FROM activity ORDER BY id").fetchall() == [
        (1, storelib.key_digest(("code", "a.py - alpha", *[None] * 12))),
        (2, storelib.key_digest(_activity_key(known)))]
    assert conn.execute("SELECT sql FROM sqlite_master WHERE name = 'activity_key_hash'"
                        ).fetchone() == ('CREATE INDEX "activity_key_hash" ON "activity" '
                                         '("key_hash")',)
    assert sorted(conn.execute("SELECT typeof(uuid) FROM span_edit")) == [("blob",), ("text",)]
    assert conn.execute("SELECT sql FROM sqlite_master WHERE name = 'span_uuid'").fetchone() \
        == ('CREATE UNIQUE INDEX "span_uuid" ON "span" ("uuid")',)
    conn.close()
    store.upsert_spans([Span(T0, T0 + 90, uuid=ids[0], device="laptop", app="code")])
    assert len(store.spans(T0, T0 + 10**5)) == len(ids)  # found by its uuid: updated
    store.add_spans([Span(T0 - 90, T0 - 80, device="laptop", app="code", title="b.py - alpha")])
    assert store.spans(T0 - 90, T0 - 80)[0].title == "b.py - alpha"
    # Found by its hash: the two activities of the file and the upsert's.
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM activity").fetchone() == (3,)
    assert store.integrity_check() == []
    store.close()


def test_activities_sharing_a_key_hash_are_told_apart(tmp_path, monkeypatch):
    """Every activity given one hash: each is still found again by its fields, none twice."""
    monkeypatch.setattr(storelib, "key_digest", lambda key: b"7")
    path = tmp_path / "tf.sqlite3"
    spans = [Span(T0 + 100 * i, T0 + 100 * i + 60, app=f"a{i % 4}", title=f"t{i % 3}")
             for i in range(24)]
    store = Store(path)
    store.add_spans(spans[:12])
    store.close()
    store = Store(path)  # no activity cached: found in the file
    store.add_spans(spans[12:])
    store.upsert_spans([Span(T0 - 100, T0 - 40, app="a1", title="t2"),
                        Span(T0 - 200, T0 - 140, app="new", title="t0")])
    assert [(s.app, s.title) for s in store.spans(T0 - 300, T0 + 10**4)] == \
        [("new", "t0"), ("a1", "t2"), *((s.app, s.title) for s in spans)]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT key_hash) FROM activity").fetchone() \
        == (13, 1)  # 12 (app, title) pairs and "new"
    conn.close()
    assert sum(store.seconds_by_activity(T0 - 300, T0 + 10**4).values()) == 26 * 60
    store.close()
