"""Two desktop stores (real SQLite files) sync through a real server process on loopback;
the server is SIGKILLed mid-sync and restarted: both end with the union, nothing duplicated,
nothing lost."""

from __future__ import annotations

import random
import time
import uuid

import pytest

from desktop.engine.span import Span
from desktop.engine.store import Store
from desktop.engine.sync import Syncer, SyncError, backoff
from tests.server.conftest import user_with_key

DAY = 86400.0


def _spans(n: int, start: float, app: str, seed: int) -> list[Span]:
    rng = random.Random(seed)
    out, t = [], start
    for _ in range(n):
        length = rng.uniform(5, 120)
        out.append(Span(t, t + length, app=app, project=rng.choice(["alpha", "beta", "gamma"]),
                        language=rng.choice(["Python", "Rust", None])))
        t += length + rng.uniform(0, 30)
    return out


def _all(store: Store) -> dict[str, Span]:
    spans = store.spans(0, 4e9)
    uuids = [s.uuid for s in spans]
    assert len(uuids) == len(set(uuids)), "a span is duplicated"
    return {s.uuid: s for s in spans}


def _settle(*syncers: Syncer) -> None:
    for _ in range(2):  # everyone pushes, then everyone pulls the others' pushes
        for syncer in syncers:
            syncer.sync_once()


@pytest.mark.timeout(300)
def test_two_devices_server_killed_mid_sync(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    a, b = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    now = time.time()
    a.add_spans(_spans(3000, now - 20 * DAY, "code", 1))
    b.add_spans(_spans(2000, now - 15 * DAY, "firefox", 2))
    pushed: list[int] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "push":
            pushed.append(done)
            if done >= 1000 and len(pushed) < 100:
                server.kill()  # between two batches of an upload: mid-sync
                pushed.extend([0] * 100)

    sync_a = Syncer(a, server.url, key=key, device_name="laptop", batch=250, progress=progress)
    sync_b = Syncer(b, server.url, key=key, device_name="desktop", batch=250)
    with pytest.raises(SyncError) as failed:
        sync_a.sync_once()
    assert failed.value.transient and 1000 <= pushed[-101] < 3000
    with pytest.raises(SyncError):  # the other device meets a dead server too
        sync_b.sync_once()
    server.start()  # same database, new process
    _settle(sync_a, sync_b)
    union = {**_all(a), **_all(b)}
    assert len(union) == 5000
    for store in (a, b):
        mine = _all(store)
        assert mine.keys() == union.keys()
        total = sum(s.duration for s in mine.values())
        assert total == pytest.approx(sum(s.duration for s in union.values()))
    # Everything again from scratch (cursors lost): the server still holds each span once.
    a.set_meta({"sync_push_updated": "0", "sync_push_id": "0", "sync_pull": "0"})
    report = sync_a.sync_once()
    assert report.pushed_spans == 3000 and report.pulled_spans == 2000
    assert len(_all(a)) == 5000
    a.close()
    b.close()


@pytest.mark.timeout(300)
def test_growing_span_deletions_and_offline_queue(server_process, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url, "bob")
    a, b = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    sync_a = Syncer(a, server.url, key=key)
    sync_b = Syncer(b, server.url, key=key)
    now = time.time()
    open_span = Span(now - 3600, now - 3500, app="code", project="alpha", idle_to_active=2)
    a.upsert_spans([open_span])
    _settle(sync_a, sync_b)
    seen = _all(b)[open_span.uuid]
    assert (seen.end, seen.idle_to_active) == (open_span.end, 2)
    open_span.end = now - 3000  # the tracker extends its open span: a newer version
    open_span.idle_to_active = 5
    a.upsert_spans([open_span])
    _settle(sync_a, sync_b)
    seen = _all(b)[open_span.uuid]
    assert (seen.end, seen.idle_to_active) == (open_span.end, 5)  # counts travel too
    assert len(_all(b)) == 1

    # Offline: the server is gone for a while; work piles up and the retries back off.
    server.kill()
    for i in range(50):
        a.upsert_spans([Span(now - 2000 + i * 10, now - 1995 + i * 10, app="vim")])
    delays = [sync_a.run_once() for _ in range(4)]
    assert sync_a.status.failures == 4 and "cannot reach" in sync_a.status.last_error
    assert delays[-1] > delays[0]  # exponential backoff (with jitter)
    server.start()
    assert sync_a.run_once() == sync_a.interval and sync_a.status.failures == 0
    sync_b.sync_once()
    assert len(_all(b)) == 51

    # A deletion on B propagates to A (and the server), never bouncing back as new.
    b.delete_range(now - 3400, now - 1900)
    _settle(sync_b, sync_a)
    for store in (a, b):
        spans = _all(store)
        assert all(s.end <= now - 3400 or s.start >= now - 1900 for s in spans.values())
        assert sum(s.duration for s in spans.values()) == pytest.approx(
            200 + 40 * 5, abs=1e-6)
    assert sync_a.sync_once().pushed_deletions == 0
    assert sync_b.sync_once().pulled_deletions == 0
    a.close()
    b.close()


def test_deletion_from_another_device_holds_against_the_open_span(server_process, tmp_path):
    """B deletes part of A's open span; A applies the deletion and its tracker goes on
    re-sending the span: the deleted time stays deleted everywhere, the rest counted once."""
    server = server_process.start()
    key = user_with_key(server.database_url, "eve")
    a, b = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    sync_a = Syncer(a, server.url, key=key)
    sync_b = Syncer(b, server.url, key=key)
    now = time.time()
    open_span = Span(now - 3600, now - 3000, uuid=str(uuid.uuid4()), app="code")
    a.upsert_spans([open_span])
    _settle(sync_a, sync_b)
    b.delete_range(now - 3400, now - 3200)
    _settle(sync_b, sync_a)
    for end in (now - 2900, now - 2800):  # the tracker's next flushes
        a.upsert_spans([open_span.replace(end=end)])
    _settle(sync_a, sync_b)
    for store in (a, b):
        spans = _all(store)
        assert sorted((round(s.start - now), round(s.end - now)) for s in spans.values()) == [
            (-3600, -3400), (-3200, -2800)]
        assert sum(store.seconds_by_activity(now - 3400, now - 3200).values()) == 0
        assert sum(store.seconds_by_activity(now - 4000, now).values()) == pytest.approx(600)
    a.close()
    b.close()


def test_wrong_key_is_not_retried_fast(server_process, tmp_path):
    server = server_process.start()
    store = Store(tmp_path / "a.sqlite3")
    syncer = Syncer(store, server.url, key=str(uuid.uuid4()), interval=600)
    with pytest.raises(SyncError) as failed:
        syncer.test_connection()
    assert not failed.value.transient
    assert syncer.run_once() >= 600
    store.close()


def test_backoff_doubles_caps_and_jitters():
    fixed = [backoff(n, rng=lambda lo, hi: 1.0) for n in range(1, 12)]
    assert fixed[:4] == [5, 10, 20, 40] and fixed[-1] == 900
    rng = random.Random(3)
    jittered = {backoff(3, rng=rng.uniform) for _ in range(20)}
    assert len(jittered) == 20 and all(10 <= d <= 30 for d in jittered)


def test_store_records_deletions_for_sync(tmp_path):
    store = Store(tmp_path / "a.sqlite3")
    store.add_spans([Span(1000.0, 2000.0, app="code")])
    store.delete_range(1200.0, 1300.0)
    own = store.deletions_since(0, store.device)
    assert len(own) == 1 and own[0]["start"] == 1200.0
    assert own[0]["uuid"] not in {s.uuid for s in store.spans(0, 4e9)}
    theirs = str(uuid.uuid4())
    assert store.delete_range(1500.0, 1600.0, uuid=theirs, device="other") == 1
    assert store.delete_range(1500.0, 1600.0, uuid=theirs, device="other") == 0  # once
    assert store.deletions_since(0, "other")[0]["uuid"] == theirs
    assert sum(s.duration for s in store.spans(0, 4e9)) == 800.0
    store.close()
