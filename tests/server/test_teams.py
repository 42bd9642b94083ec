"""Teams, invitations and boards on a real server process over HTTP, on SQLite and on
PostgreSQL: boards are read by members only, hidden users are neither shown nor counted, the
boards come from the table the scheduled job fills (`timeforged-server run-jobs`), and an
expired, revoked or used-up invitation is refused."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from typing import Any

from server.db import Database
from tests.server.conftest import ROOT, server_env, user_with_key
from tests.server.helpers import post_heartbeat


def form_post(port: int, path: str, cookie: str, csrf: str) -> http.client.HTTPResponse:
    """A web page's form (its CSRF token) posted with the session cookie; the response."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, body=f"csrf={csrf}", headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def call(port: int, method: str, path: str, key: str | None = None, body: Any = None,
         cookie: str | None = None) -> tuple[int, Any]:
    """One request to the server on 127.0.0.1; (status, the JSON or text reply)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        if "json" in resp.getheader("content-type", ""):
            return resp.status, json.loads(raw)
        return resp.status, raw.decode()
    finally:
        conn.close()


def login(port: int, key: str) -> str:
    """The session cookie the page at / sets for `key`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/login", body=f"key={key}",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 303 and resp.getheader("location") == "/"
        return resp.getheader("set-cookie").split(";")[0]
    finally:
        conn.close()


def code(port: int, key: str, beats: int, *, language: str = "Python", ago: float = 3000
         ) -> None:
    """`beats` heartbeats a minute apart: (beats - 1) minutes of coding."""
    start = time.time() - ago
    body = [{"entity": f"/src/{language}/m.py", "time": start + 60 * i, "type": "file",
             "project": "tf", "language": language} for i in range(beats)]
    status, reply = post_heartbeat(port, key, body)
    assert status == 201, reply


def run_jobs(database_url: str) -> None:
    """`timeforged-server run-jobs`, as cron would run it beside the server."""
    done = subprocess.run([sys.executable, "-m", "server", "run-jobs"], cwd=ROOT,
                          env=server_env(database_url), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "'boards'" in done.stdout, done.stderr + done.stdout


def test_team_board_members_only_hidden_absent_ranks_without_gaps(server_process):
    server = server_process.start()
    port, url = server.port, server_process.database_url
    keys = {name: user_with_key(url, name) for name in ("ann", "bob", "cat", "dan", "eve")}
    status, team = call(port, "POST", "/api/v1/teams", keys["ann"], {"name": "core"})
    assert status == 201 and team["role"] == "owner"
    tid = team["id"]
    status, inv = call(port, "POST", f"/api/v1/teams/{tid}/invitations", keys["ann"],
                       {"uses": 3})
    assert status == 201 and inv["url"].endswith(f"/teams/join/{inv['token']}")
    for name in ("bob", "cat", "dan"):
        status, joined = call(port, "POST", f"/api/v1/teams/join/{inv['token']}", keys[name])
        assert status == 200 and joined["role"] == "member" and joined["joined"], joined
    for name in ("ann", "bob", "cat"):  # dan never opts in
        assert call(port, "POST", f"/api/v1/teams/{tid}/me", keys[name],
                    {"on_board": True})[1]["on_board"] is True
    # dan codes most: were he counted, everyone else's rank would shift by one
    for name, beats in (("dan", 31), ("bob", 21), ("ann", 11), ("cat", 4)):
        code(port, keys[name], beats)
    status, before = call(port, "GET", f"/api/v1/teams/{tid}/board", keys["bob"])
    assert status == 200 and before["computed"] is None and before["data"] == []
    run_jobs(url)

    status, board = call(port, "GET", f"/api/v1/teams/{tid}/board", keys["cat"])
    assert status == 200
    assert [(r["rank"], r["user"], r["total_seconds"]) for r in board["data"]] == [
        (1, "bob", 1200.0), (2, "ann", 600.0), (3, "cat", 180.0)]
    assert board["members"] == 3 and board["total_seconds"] == 1980.0  # dan's time not in it
    status, python = call(port, "GET", f"/api/v1/teams/{tid}/board?language=Python",
                          keys["ann"])
    assert [(r["rank"], r["user"]) for r in python["data"]] == [(1, "bob"), (2, "ann"),
                                                                 (3, "cat")]
    assert python["languages"] == ["Python"]

    # anyone else: 404, as for a team that does not exist; nobody: 401
    for path in (f"/api/v1/teams/{tid}/board", f"/api/v1/teams/{tid}",
                 f"/api/v1/teams/{tid}/invitations"):
        assert call(port, "GET", path, keys["eve"])[0] == 404
        assert call(port, "GET", path)[0] == 401
    assert call(port, "GET", "/api/v1/teams/999999/board", keys["eve"])[0] == 404
    assert call(port, "GET", "/api/v1/teams", keys["eve"])[1] == {"data": []}

    # the web page: members see the board (without dan); anyone else gets 404
    status, page = call(port, "GET", f"/teams/{tid}", cookie=login(port, keys["bob"]))
    assert status == 200 and "<td>1</td><td>bob</td>" in page and "cat" in page
    assert "dan" not in page
    assert call(port, "GET", f"/teams/{tid}", cookie=login(port, keys["eve"]))[0] == 404
    assert call(port, "GET", f"/teams/{tid}")[0] == 404

    # read from the cached table: new time changes nothing until the job runs again
    code(port, keys["cat"], 41, ago=6000)
    status, again = call(port, "GET", f"/api/v1/teams/{tid}/board", keys["ann"])
    assert again == board
    db = Database(url)
    try:
        row = db.execute("SELECT computed FROM board WHERE key = %s", (f"team:{tid}",)
                         ).fetchone()
    finally:
        db.close()
    assert row[0] == board["computed"]
    run_jobs(url)
    status, after = call(port, "GET", f"/api/v1/teams/{tid}/board", keys["ann"])
    assert after["computed"] > board["computed"]
    assert [(r["rank"], r["user"]) for r in after["data"]] == [(1, "cat"), (2, "bob"),
                                                                (3, "ann")]
    # opting out takes a member off the board at the next refresh
    call(port, "POST", f"/api/v1/teams/{tid}/me", keys["cat"], {"on_board": False})
    run_jobs(url)
    status, out = call(port, "GET", f"/api/v1/teams/{tid}/board", keys["cat"])
    assert [(r["rank"], r["user"]) for r in out["data"]] == [(1, "bob"), (2, "ann")]


def test_global_board_opt_in_hidden_not_counted(server_process):
    server = server_process.start()
    port, url = server.port, server_process.database_url
    keys = {name: user_with_key(url, name) for name in ("ann", "bob", "dan")}
    call(port, "POST", "/api/v1/users/current/settings", keys["ann"], {"leaderboard": "public"})
    call(port, "POST", "/api/v1/users/current/settings", keys["bob"],
         {"leaderboard": "anonymous"})
    for name, beats in (("dan", 31), ("bob", 21), ("ann", 11)):
        code(port, keys[name], beats, language="Rust" if name == "ann" else "Python")
    run_jobs(url)
    status, board = call(port, "GET", "/api/v1/boards/global")
    assert status == 200
    assert [(r["rank"], r["user"]) for r in board["data"]] == [(1, board["data"][0]["user"]),
                                                               (2, "ann")]
    assert board["data"][0]["user"].startswith("anonymous #") and "bob" not in str(board)
    assert board["total_seconds"] == 1800.0  # dan (hidden) is not counted
    status, rust = call(port, "GET", "/api/v1/boards/global?language=Rust")
    assert [(r["rank"], r["user"]) for r in rust["data"]] == [(1, "ann")]


def test_invitations_expired_revoked_used_up_refused(server_process):
    server = server_process.start()
    port, url = server.port, server_process.database_url
    keys = {name: user_with_key(url, name) for name in ("ann", "bob", "cat")}
    tid = call(port, "POST", "/api/v1/teams", keys["ann"], {"name": "t"})[1]["id"]
    invite = f"/api/v1/teams/{tid}/invitations"
    assert call(port, "POST", invite, keys["bob"], {})[0] == 404  # not a member
    assert call(port, "POST", invite, keys["ann"], {"hours": 0})[0] == 400
    assert call(port, "POST", invite, keys["ann"], {"uses": 1.5})[0] == 400

    single = call(port, "POST", invite, keys["ann"], {})[1]  # one use, 72 hours
    assert call(port, "POST", f"/api/v1/teams/join/{single['token']}", keys["bob"])[0] == 200
    assert call(port, "POST", invite, keys["bob"], {})[0] == 403  # members do not invite
    status, used = call(port, "POST", f"/api/v1/teams/join/{single['token']}", keys["cat"])
    assert (status, used["detail"]) == (410, "invitation: used up")

    revoked = call(port, "POST", invite, keys["ann"], {"uses": 5})[1]
    assert call(port, "DELETE", f"{invite}/{revoked['id']}", keys["bob"])[0] == 403
    assert call(port, "DELETE", f"{invite}/{revoked['id']}", keys["ann"])[1]["revoked"]
    status, refused = call(port, "POST", f"/api/v1/teams/join/{revoked['token']}", keys["cat"])
    assert (status, refused["detail"]) == (410, "invitation: revoked")

    expired = call(port, "POST", invite, keys["ann"], {"uses": 5})[1]
    db = Database(url)
    try:  # its time has come (rather than waiting for it)
        db.execute("UPDATE team_invitation SET expires = %s WHERE id = %s",
                   (time.time() - 1, expired["id"]))
    finally:
        db.close()
    status, late = call(port, "POST", f"/api/v1/teams/join/{expired['token']}", keys["cat"])
    assert (status, late["detail"]) == (410, "invitation: expired")
    assert call(port, "GET", f"/api/v1/teams/{tid}", keys["cat"])[0] == 404  # still outside
    # through the web page the same
    cookie = login(port, keys["cat"])
    page = call(port, "GET", f"/teams/join/{expired['token']}", cookie=cookie)[1]
    csrf = page.split("name='csrf' value='")[1].split("'")[0]
    assert form_post(port, f"/teams/join/{expired['token']}", cookie, csrf).status == 410
    assert call(port, "POST", "/api/v1/teams/join/not-a-token", keys["cat"])[0] == 404
    fresh = call(port, "POST", invite, keys["ann"], {})[1]  # the link, opened in a browser
    status, page = call(port, "GET", f"/teams/join/{fresh['token']}")
    assert status == 200 and "Log in" in page and "<form" not in page
    status, page = call(port, "GET", f"/teams/join/{fresh['token']}", cookie=cookie)
    assert status == 200 and f"action='/teams/join/{fresh['token']}'" in page
    # without the page's CSRF token: refused (403), not joined
    assert call(port, "POST", f"/teams/join/{fresh['token']}", cookie=cookie)[0] == 403
    assert call(port, "GET", f"/api/v1/teams/{tid}", keys["cat"])[0] == 404
    resp = form_post(port, f"/teams/join/{fresh['token']}", cookie, csrf)
    assert (resp.status, resp.getheader("location")) == (303, f"/teams/{tid}")
    assert call(port, "GET", f"/api/v1/teams/{tid}", keys["cat"])[1]["role"] == "member"
    assert call(port, "POST", f"/api/v1/teams/{tid}/me", keys["cat"], {"on_board": 1}
                )[0] == 400
    listed = call(port, "GET", invite, keys["ann"])[1]["data"]
    assert len(listed) == 4 and all("token" not in i for i in listed)
    db = Database(url)
    try:  # only the tokens' hashes are kept
        stored = str(db.execute("SELECT * FROM team_invitation").fetchall())
    finally:
        db.close()
    assert single["token"] not in stored and revoked["token"] not in stored
