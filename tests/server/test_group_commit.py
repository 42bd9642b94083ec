"""Group commit of heartbeats: the batcher on its own, then a real server on SQLite and
PostgreSQL: concurrent single heartbeats stored once each, a resend adds nothing, and after
SIGKILL every heartbeat that got a 2xx is in the database."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.batcher import Batcher
from server.db import Database
from tests.server.conftest import ServerProcess, user_with_key
from tests.server.helpers import Api, post_heartbeat


def test_concurrent_items_written_in_few_batches():
    seen: list[list[int]] = []

    def flush(items):
        time.sleep(0.02)  # a slow commit: the others queue up meanwhile
        seen.append(list(items))
        return [i * 10 for i in items]

    batcher = Batcher(flush)
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(lambda i: batcher.submit(i).result(timeout=10), range(200)))
    batcher.close()
    assert results == [i * 10 for i in range(200)]
    assert sorted(i for batch in seen for i in batch) == list(range(200))  # each once
    assert len(seen) < 100


def test_error_reaches_every_waiter_of_its_batch_only():
    gate = threading.Event()
    calls = []

    def flush(items):
        calls.append(list(items))
        if len(calls) == 1:
            gate.wait(5)  # hold the first batch while the next queue up
            return ["ok"] * len(items)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return ["ok"] * len(items)

    batcher = Batcher(flush)
    first = batcher.submit("a")
    time.sleep(0.05)
    failing = [batcher.submit(x) for x in "bcd"]  # queued together: one batch
    gate.set()
    assert first.result(5) == "ok"
    for future in failing:
        with pytest.raises(RuntimeError, match="disk full"):
            future.result(5)
    assert batcher.submit("e").result(5) == "ok"  # the writer lives on
    batcher.close()
    assert calls[1] == ["b", "c", "d"]


def test_close_writes_what_is_queued():
    batcher = Batcher(lambda items: [len(items)] * len(items))
    futures = [batcher.submit(i) for i in range(50)]
    batcher.close()
    assert all(f.done() and f.result() >= 1 for f in futures)
    with pytest.raises(RuntimeError):
        batcher.submit(1)


def _key(server: ServerProcess) -> str:
    server.settings.update(rate_per_second="100000", rate_burst="100000")
    return user_with_key(server.database_url)


def _spans(url: str) -> dict[str, tuple[float, float]]:
    db = Database(url)
    try:
        return {u: (a, b) for u, a, b in db.execute('SELECT uuid, start, "end" FROM span')}
    finally:
        db.close()


def _stream(machine: int, t0: float) -> list[dict]:
    return [{"entity": f"/src/m{machine}/f{i // 8}.py", "time": t0 + i * 10.0,
             "language": "Python", "project": "p"} for i in range(40)]


def _send_streams(port: int, key: str, t0: float, machines: int = 12) -> list[dict]:
    """Each machine sends its heartbeats in order; the machines at once."""
    def run(m: int) -> list[dict]:
        out = []
        for beat in _stream(m, t0):
            status, reply = post_heartbeat(port, key, beat, f"box{m}")
            assert status == 201, reply
            out.append(reply)
        return out

    with ThreadPoolExecutor(machines) as pool:
        return [r for replies in pool.map(run, range(machines)) for r in replies]


def test_concurrent_singles_stored_once_and_resend_adds_nothing(server_process):
    key = _key(server_process)
    server_process.start()
    t0 = time.time() - 3000
    replies = _send_streams(server_process.port, key, t0)
    spans = _spans(server_process.database_url)
    assert {r["data"]["id"] for r in replies} == set(spans)
    assert len(spans) == 12 * 5  # a span per file and machine
    _send_streams(server_process.port, key, t0)
    assert _spans(server_process.database_url) == spans  # nothing new, nothing changed
    server_process.stop()
    server_process.start()  # a fresh process, no memory of the streams
    _send_streams(server_process.port, key, t0)
    assert _spans(server_process.database_url) == spans


def test_sigkill_after_2xx_loses_nothing(server_process):
    """Clients send while the server is SIGKILLed; a new process takes the streams on where
    the database says they stand: every heartbeat that got a 201 counts, even one that had
    only opened its span."""
    key = _key(server_process)
    server_process.start()
    t0 = time.time() - 20_000
    acked: list[tuple[float, str]] = []
    sent = [0] * 8
    lock = threading.Lock()

    def client(m: int) -> None:
        for i in range(5000):
            when = t0 + i * 2.0
            sent[m] = i
            try:
                status, reply = post_heartbeat(server_process.port, key, {
                    "entity": f"/src/m{m}.py", "time": when, "language": "Python"}, f"box{m}")
            except OSError:
                return  # killed mid-request: not acknowledged
            if status == 201:
                with lock:
                    acked.append((when, reply["data"]["id"]))

    threads = [threading.Thread(target=client, args=(m,)) for m in range(8)]
    for t in threads:
        t.start()
    time.sleep(2)
    server_process.kill()
    for t in threads:
        t.join()
    assert len(acked) > 200
    server_process.start()
    for m in range(8):  # the next heartbeat of each stream, to the new process
        status, _ = post_heartbeat(server_process.port, key, {
            "entity": f"/src/m{m}.py", "time": t0 + (sent[m] + 1) * 2.0, "language": "Python"},
            f"box{m}")
        assert status == 201
    spans = _spans(server_process.database_url)
    missing = [(w, u) for w, u in acked
               if u not in spans or not spans[u][0] <= w < spans[u][1]]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged heartbeats lost"
    assert len(spans) == 8  # each stream is one span: the restart did not cut it


def test_two_processes_carry_one_stream_on(server_process, tmp_path):
    """Stateless processes: a device's heartbeats alternate between two server processes on
    one database and still join into the spans one process would make (PostgreSQL only: a
    SQLite file takes one serving process)."""
    if server_process.database_url.startswith("sqlite"):
        pytest.skip("one server process per SQLite file")
    key = _key(server_process)
    server_process.start()
    other = ServerProcess(server_process.database_url, tmp_path / "other.log",
                          **server_process.settings).start()
    try:
        t0 = time.time() - 3000
        for i, beat in enumerate(_stream(0, t0)):
            port = (server_process, other)[i % 2].port
            status, _ = post_heartbeat(port, key, beat, "box")
            assert status == 201
    finally:
        other.stop()
    spans = sorted(_spans(server_process.database_url).values())
    assert spans == [(t0 + 80.0 * k, t0 + 80.0 * k + 80.0) for k in range(4)] + [
        (t0 + 320.0, t0 + 390.0)]


@pytest.mark.parametrize("body", [
    b'{"entity": "/a.py", "time": TIME, "language": "Python"}',
    b'{"entity": "/a.py"}',
    b'{"entity": "/a.py", "time": NaN}',
    b'{"entity": "/a.py", "time": "soon"}',
    b'{"entity": 5, "time": TIME}',
    b'{"entity": "/a.py", "time": TIME',
    b'[{"entity": "/b.py", "time": TIME}]',
    b'"just a string"',
])
def test_one_heartbeat_path_answers_like_the_route(database_url, body):
    """A single heartbeat with a recently verified key is answered in front of FastAPI; the
    answers match those of the route (taken when the key is not cached)."""
    api = Api(database_url, rate_per_second=1e6, rate_burst=10**6)
    _, headers = api.user("ann")
    body = body.replace(b"TIME", str(time.time() - 60).encode())
    url = "/api/v1/users/current/heartbeats"
    answers = []
    for cached in (False, True):
        api.app.state.tf.keys.forget()
        if cached:
            assert api.client.get("/api/sync/v1/hello", headers=headers).status_code == 200
        r = api.client.post(url, content=body, headers={  # a device each: not a resend
            **headers, "Content-Type": "application/json", "X-Machine-Name": f"m{cached}"})
        answers.append((r.status_code, _without_ids(r.json()), r.headers["content-type"]))
    assert answers[0] == answers[1]
    api.close()


def test_one_heartbeat_path_rate_limited(database_url):
    api = Api(database_url, rate_per_second=0.5, rate_burst=2)
    _, headers = api.user("ann")
    beat = {"entity": "/a.py", "time": time.time() - 60}
    codes = [api.client.post("/api/v1/users/current/heartbeats", json=beat, headers=headers)
             for _ in range(4)]
    assert [r.status_code for r in codes] == [201, 201, 429, 429]
    assert int(codes[-1].headers["Retry-After"]) >= 1
    api.close()


def _without_ids(data: object) -> object:
    if isinstance(data, dict):
        assert isinstance(data.get("id", ""), str)  # a span uuid
        return {k: _without_ids(v) for k, v in data.items() if k != "id"}
    if isinstance(data, list):
        return [_without_ids(v) for v in data]
    return data


def test_deletion_ends_the_open_stream(database_url):
    """A deletion over the span a plugin's stream is still growing: the next heartbeat starts
    a new span instead of growing the deleted one back."""
    api = Api(database_url, rate_per_second=1e6, rate_burst=10**6)
    _, headers = api.user("ann")
    t0 = time.time() - 3600
    url = "/api/v1/users/current/heartbeats"
    for i in range(11):
        assert api.client.post(url, json={"entity": "/a.py", "time": t0 + 60 * i},
                               headers=headers).status_code == 201
    desk = "2f1d3c4b-0000-4000-8000-000000000001"
    gone = {"uuid": "2f1d3c4b-0000-4000-8000-000000000002", "device": desk, "start": t0 - 1,
            "end": t0 + 700, "created": time.time()}
    assert api.client.post("/api/sync/v1/push", json={"device": desk, "deletions": [gone]},
                           headers=headers).json()["deletions"] == 1
    for i in (12, 13):
        assert api.client.post(url, json={"entity": "/a.py", "time": t0 + 60 * i},
                               headers=headers).status_code == 201
    spans = sorted(_spans(database_url).values())
    assert spans == [(t0 + 720, t0 + 780)]
    api.close()


@pytest.mark.timeout(120)
def test_bodies_over_the_limit_are_refused_announced_or_chunked(server_process):
    """413 for a body over max_body_bytes whether Content-Length announces it or it streams
    in chunks, on the single-heartbeat path and on a FastAPI route; nothing stored, and the
    server answers the next request."""
    server_process.settings.update(max_body_bytes="20000")
    server = server_process.start()
    key = _key(server)
    auth = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode(),
            "Content-Type": "application/json"}
    beat = {"entity": "/src/a.py", "type": "file", "time": time.time(), "project": "p"}
    padded = json.dumps({**beat, "padding": "x" * 30_000}).encode()

    def post(path: str, chunked: bool) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            if chunked:
                parts = (padded[i:i + 4096] for i in range(0, len(padded), 4096))
                conn.request("POST", path, body=parts, headers=auth, encode_chunked=True)
            else:
                conn.request("POST", path, body=padded, headers=auth)
            resp = conn.getresponse()
            assert json.loads(resp.read()) == {"detail": "body too large"}
            return resp.status
        finally:
            conn.close()

    for path in ("/api/v1/users/current/heartbeats", "/api/v1/users/current/heartbeats.bulk"):
        assert post(path, chunked=False) == 413
        assert post(path, chunked=True) == 413
    assert _spans(server.database_url) == {}
    assert post_heartbeat(server.port, key, beat)[0] == 201


def test_a_refused_chunked_body_is_read_to_its_end_before_the_answer(server_process):
    """A sender still streaming a body over the limit when the server refuses it reads the
    413, not a broken pipe: the rest of its body is read first, on the single-heartbeat path
    and on a FastAPI route (which answers its own 413)."""
    server_process.settings.update(max_body_bytes="20000")
    server = server_process.start()
    auth = {"Authorization": "Basic " + base64.b64encode(_key(server).encode()).decode(),
            "Content-Type": "application/json"}
    padded = json.dumps({"entity": "/src/a.py", "type": "file", "time": time.time(),
                         "padding": "x" * 40_000}).encode()

    def slowly() -> Iterator[bytes]:
        for i in range(0, len(padded), 4096):
            if i > 20_000:  # over the limit: the server has refused by now
                time.sleep(0.2)
            yield padded[i:i + 4096]

    for path in ("/api/v1/users/current/heartbeats", "/api/v1/users/current/heartbeats.bulk"):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            conn.request("POST", path, body=slowly(), headers=auth, encode_chunked=True)
            resp = conn.getresponse()
            assert (resp.status, json.loads(resp.read())) == (413, {"detail": "body too large"})
        finally:
            conn.close()
    assert _spans(server.database_url) == {}
