"""One user's bad heartbeat harms nobody else, on SQLite and PostgreSQL: a batch the database
refuses is written again request by request, then heartbeat by heartbeat, so only the guilty
heartbeats fail (400, a reason in their place in a bulk) and everyone else's are stored.

The database refuses for real: a trigger on `activity` rejects the project "poison" (what
validation cannot know in advance: a constraint, a bug, a value the database dislikes)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from desktop.engine.heartbeats import parse_heartbeat
from server import auth
from server.db import Database
from server.history import History
from server.ingest import Beats, HeartbeatWriter
from tests.server.conftest import ServerProcess, user_with_key
from tests.server.helpers import Api, post_heartbeat, span

SURROGATE = "/h/\ud800.py"  # sent as the JSON escape \ud800: valid JSON, not storable text


def poison(db: Database) -> None:
    """Make the database refuse any activity whose project is "poison"."""
    if db.postgres:
        db.execute("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                   "IF NEW.project = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; "
                   "RETURN NEW; END $$ LANGUAGE plpgsql")
        db.execute("CREATE TRIGGER poison BEFORE INSERT ON activity FOR EACH ROW "
                   "EXECUTE FUNCTION poison()")
    else:
        db.execute("CREATE TRIGGER poison BEFORE INSERT ON activity "
                   "WHEN NEW.project = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END")


def _beat(n: int, project: str = "good", entity: str | None = None) -> dict:
    return {"entity": entity or f"/h/{project}{n}.py", "time": time.time() - 3000 + n,
            "project": project, "type": "file"}


def test_a_failed_batch_fails_only_the_guilty_heartbeats(database_url):
    db = Database(database_url)
    db.migrate()
    poison(db)
    writer = HeartbeatWriter(History(db))
    try:
        ann, bob = auth.create_user(db, "ann"), auth.create_user(db, "bob")
        mixed = [parse_heartbeat(_beat(i, "poison" if i == 1 else "good")) for i in range(3)]
        outcomes = writer._flush([  # one batch, as group commit makes it
            Beats(ann, str(uuid.uuid4()), "a", mixed),
            Beats(bob, str(uuid.uuid4()), "b", [parse_heartbeat(_beat(i)) for i in range(4)]),
            Beats(ann, str(uuid.uuid4()), "c", [parse_heartbeat(_beat(9, "poison"))])])
    finally:
        writer.close()
    ann_mixed, bob_all, ann_bad = outcomes
    assert [type(x) for x in ann_mixed] == [str, type(ann_mixed[1]), str]
    assert isinstance(ann_mixed[1], Exception) and isinstance(ann_bad[0], Exception)
    assert all(isinstance(x, str) for x in bob_all)
    assert db.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0] == 2 + 4
    db.close()


@pytest.mark.timeout(300)
def test_other_users_get_no_errors_while_one_sends_bad_heartbeats(database_url, tmp_path):
    """User A sends heartbeats with a lone surrogate and heartbeats the database refuses,
    alone and inside bulks, while user B sends good ones, concurrently, to a real server."""
    db = Database(database_url)
    db.migrate()
    poison(db)
    key_a, key_b = user_with_key(database_url, "ann"), user_with_key(database_url, "bob")
    server = ServerProcess(database_url, tmp_path / "server.log",
                           jobs_interval_seconds="0").start()
    b_errors: list = []
    a_wrong: list = []
    b_sent = [0]
    lock = threading.Lock()

    def user_b(worker: int) -> None:
        for n in range(40):
            k = worker * 1000 + n * 10
            if n % 2:
                status, reply = post_heartbeat(server.port, key_b, _beat(k), f"b{worker}")
                ok = status == 201
                sent = 1
            else:
                bulk = [_beat(k + i) for i in range(5)]
                status, reply = post_heartbeat(server.port, key_b, bulk, f"b{worker}")
                ok = status == 201 and all(r[1] == 201 for r in reply["responses"])
                sent = 5
            with lock:
                b_sent[0] += sent
                if not ok:
                    b_errors.append((status, reply))

    def user_a(worker: int) -> None:
        for n in range(40):
            k = 500 + worker * 1000 + n * 10
            kind = n % 4
            if kind == 0:  # a lone surrogate: refused before it joins a batch
                status, reply = post_heartbeat(server.port, key_a, _beat(k, entity=SURROGATE))
                ok = status == 400 and reply["detail"].startswith("entity: ")
            elif kind == 1:  # the database refuses it
                status, reply = post_heartbeat(server.port, key_a, _beat(k, "poison"))
                ok = status == 400 and reply["detail"].startswith("not stored")
            else:  # bulks: good, bad, good
                bad = _beat(k + 1, entity=SURROGATE) if kind == 2 else _beat(k + 1, "poison")
                status, reply = post_heartbeat(server.port, key_a,
                                               [_beat(k), bad, _beat(k + 2)])
                ok = status == 201 and [r[1] for r in reply["responses"]] == [201, 400, 201]
            if not ok:
                with lock:
                    a_wrong.append((kind, status, reply))

    threads = [threading.Thread(target=f, args=(w,)) for f in (user_a, user_b) for w in (0, 1)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    print(f"\nuser B: {b_sent[0]} heartbeats, {len(b_errors)} errors; "
          f"user A: {len(a_wrong)} answers other than expected")
    assert b_errors == []
    assert a_wrong == []
    good_a = 2 * 20 * 2  # 20 bulks per worker, two good heartbeats each
    assert db.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0] == b_sent[0] + good_a
    db.close()


def test_a_database_that_cannot_write_is_a_503_with_retry_after(pg_cluster):
    """PostgreSQL refusing writes as when its disk is full (SQLSTATE 53100, raised by a
    trigger): every write answers 503 with Retry-After, none is tried heartbeat by heartbeat,
    nothing is stored; once it writes again, the same requests are stored."""
    api = Api(pg_cluster.create_database(f"full{uuid.uuid4().hex}"))
    _, headers = api.user("ann")
    api.db.execute("CREATE FUNCTION full_disk() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; "
                   "END $$ LANGUAGE plpgsql")
    for table in ("span", "heartbeat"):
        api.db.execute(f"CREATE TRIGGER full_disk BEFORE INSERT ON {table} FOR EACH ROW "
                       f"EXECUTE FUNCTION full_disk()")
    device = str(uuid.uuid4())
    requests = [("/api/sync/v1/push", {"device": device, "spans": [
                    span(time.time() - 600, time.time() - 300, device)]}),
                ("/api/v1/users/current/heartbeats", _beat(1)),
                ("/api/v1/users/current/heartbeats.bulk", [_beat(2), _beat(3)])]
    try:
        for path, body in requests:
            reply = api.client.post(path, json=body, headers=headers)
            assert reply.status_code == 503, (path, reply.text)
            assert reply.headers["Retry-After"].isdigit()
        assert api.db.execute("SELECT COUNT(*) FROM span").fetchone()[0] == 0
        for table in ("span", "heartbeat"):
            api.db.execute(f"DROP TRIGGER full_disk ON {table}")
        for path, body in requests:
            assert api.client.post(path, json=body, headers=headers).status_code in (200, 201)
        assert api.db.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0] == 3
    finally:
        api.close()
