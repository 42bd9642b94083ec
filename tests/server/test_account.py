"""The web account side on SQLite and PostgreSQL: sign-in by key and by password, server-side
sessions and their cookie, CSRF, the /account pages (keys, settings, export, deletions), and
badges; one user never reaches another's."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from desktop.engine.api.shapes import duration_parts
from server import auth, migrations
from server.auth import hash_key
from server.db import Database
from server.models import ApiKey, User
from tests.server.account_helpers import CSRF, set_password, sign_in, token
from tests.server.helpers import Api, span

WAKA = "/api/v1/users/current"
EVIL = {"Origin": "https://evil.example"}


@pytest.fixture
def api(database_url):
    api = Api(database_url)
    yield api
    api.close()


def _noon(days_ago: int = 0) -> float:
    day = datetime.now(ZoneInfo("UTC")).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("UTC")).timestamp()


def _key(headers: dict[str, str]) -> str:
    return headers["Authorization"].split()[1]


def _history(api: Api, headers: dict[str, str]) -> str:
    """Heartbeats on two days (alpha/Python, beta/Rust) and a desktop's span; its device."""
    for days_ago, project, language in ((1, "alpha", "Python"), (3, "beta", "Rust")):
        beats = [{"entity": f"/src/{project}.x", "time": _noon(days_ago) + i * 60,
                  "project": project, "language": language} for i in range(11)]
        r = api.client.post(f"{WAKA}/heartbeats.bulk", json=beats, headers=headers)
        assert r.status_code == 201
    dev = str(uuid.uuid4())
    r = api.client.post("/api/sync/v1/push", headers=headers, json={
        "device": dev, "spans": [span(_noon(2), _noon(2) + 1800, dev, project="alpha",
                                      app="code", keystrokes=12)]})
    assert r.json()["written"] == 1
    return dev


def test_password_login_logout_ends_session(api, database_url):
    user, ann = api.user("ann")
    short = set_password(database_url, "ann", "short")
    assert short.returncode == 2 and "8 to 1024 characters" in short.stderr
    nobody = set_password(database_url, "nobody", "long enough password")
    assert nobody.returncode == 2 and "no user 'nobody'" in nobody.stderr
    done = set_password(database_url, "ann", "correct horse battery")
    assert done.returncode == 0, done.stderr
    stored = api.db.execute('SELECT hash FROM user_password WHERE "user" = %s',
                            (user.id,)).fetchone()[0]
    assert stored.startswith("scrypt$") and "correct" not in stored
    # wrong password, unknown name: refused alike, no cookie
    for name, password in (("ann", "wrong password!"), ("nobody", "correct horse battery")):
        r = api.client.post("/login", data={"name": name, "password": password},
                            follow_redirects=False)
        assert r.headers["location"] == "/login?error=1" and "set-cookie" not in r.headers
    cookie = sign_in(api.client, name="ann", password="correct horse battery")
    assert "Account: ann" in api.client.get("/account").text
    # the cookie is a token and its MAC: the database keeps only the token's hash
    assert api.db.execute("SELECT COUNT(*) FROM web_session WHERE id = %s",
                          (cookie.split(".")[0],)).fetchone()[0] == 0
    csrf = token(api.client)
    r = api.client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and 'tf_session=""' in r.headers["set-cookie"]
    # the old cookie, replayed, no longer works: the session ended on the server
    replay = TestClient(api.app, cookies={"tf_session": cookie})
    assert replay.get("/account", follow_redirects=False).headers["location"] == "/login"
    assert replay.get("/api/v1/summary?range=today").status_code == 401
    # by key, as the form of `/` does; a new password ends every session
    cookie = sign_in(api.client, key=_key(ann))
    assert api.client.get("/api/v1/summary?range=today").status_code == 200
    assert set_password(database_url, "ann", "another long one").returncode == 0
    replay = TestClient(api.app, cookies={"tf_session": cookie})
    assert replay.get("/account", follow_redirects=False).status_code == 303
    # guessing: 10 tries per name, then 429 (the right password too) until the bucket refills
    guesser = TestClient(api.app)
    for _ in range(9):
        guesser.post("/login", data={"name": "ann", "password": "guess guess"})
    r = guesser.post("/login", data={"name": "ann", "password": "another long one"})
    assert r.status_code == 429 and "retry later" in r.text and "Retry-After" in r.headers
    assert "tf_session" not in guesser.cookies


def test_revoking_a_key_ends_the_sessions_it_opened(api):
    _, ann = api.user("ann")
    spare = api.client.post("/api/v1/auth/key", headers=ann, json={"name": "spare"}).json()
    browser = TestClient(api.app)
    sign_in(browser, key=spare["key"])
    other = TestClient(api.app)
    sign_in(other, key=_key(ann))
    assert browser.get("/account").status_code == 200
    assert api.client.delete(f"/api/v1/auth/key/{spare['id']}", headers=ann).status_code == 200
    assert browser.get("/account", follow_redirects=False).headers["location"] == "/login"
    assert other.get("/account").status_code == 200  # opened with a key still valid


def test_cookie_flags_and_secure_behind_https(database_url):
    plain, proxied = Api(database_url), Api(database_url, behind_proxy=True)
    try:
        _, ann = plain.user("ann")
        key = _key(ann)
        r = plain.client.post("/login", data={"key": key}, follow_redirects=False)
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
        # X-Forwarded-Proto is not trusted unless configured as behind a proxy
        r = plain.client.post("/login", data={"key": key}, follow_redirects=False,
                              headers={"X-Forwarded-Proto": "https"})
        assert "Secure" not in r.headers["set-cookie"]
        r = proxied.client.post("/login", data={"key": key}, follow_redirects=False,
                                headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
        https = TestClient(plain.app, base_url="https://testserver")
        r = https.post("/login", data={"key": key}, follow_redirects=False)
        assert "Secure" in r.headers["set-cookie"]
    finally:
        plain.close()
        proxied.close()


def test_cross_site_posts_refused_and_nothing_changes(api):
    user, ann = api.user("ann")
    sign_in(api.client, key=_key(ann))
    good = token(api.client)
    keys_before = ApiKey.select().where(ApiKey.user == user.id).count()
    attempts = [
        ({"timezone": "Europe/Paris", "daily_goal_minutes": "5", "leaderboard": "public"},
         "/account/settings"),
        ({"name": "stolen"}, "/account/keys"),
        ({"name": "ann"}, "/account/delete"),
        ({"first": "2000-01-01", "last": "2100-01-01", "confirm": "yes"},
         "/account/delete-days"),
    ]
    for form, path in attempts:
        # another site's form: no token (and its Origin) -> 403
        assert api.client.post(path, data=form, headers=EVIL).status_code == 403
        # even with the right token, from another origin -> 403
        assert api.client.post(path, data={**form, "csrf": good},
                               headers=EVIL).status_code == 403
        # same site, no token or a wrong one -> 403
        assert api.client.post(path, data=form).status_code == 403
        assert api.client.post(path, data={**form, "csrf": good[:-2] + "xx"}
                               ).status_code == 403
    assert api.client.post("/login", data={"key": _key(ann)}, headers={
        "Sec-Fetch-Site": "cross-site"}).status_code == 403
    fresh = User.get_by_id(user.id)
    assert (fresh.timezone, fresh.daily_goal_minutes, fresh.leaderboard) == ("UTC", 120,
                                                                              "hidden")
    assert ApiKey.select().where(ApiKey.user == user.id).count() == keys_before
    assert api.client.get("/account").status_code == 200  # account and session still there


def test_settings_form(api):
    user, ann = api.user("ann")
    sign_in(api.client, key=_key(ann))
    form = {"csrf": token(api.client), "timezone": "Europe/Paris", "daily_goal_minutes": "90",
            "email": "ann@example.org", "weekly_email": "on", "leaderboard": "anonymous",
            "badges_public": "on"}
    r = api.client.post("/account/settings", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?done=settings"
    fresh = User.get_by_id(user.id)
    assert (fresh.timezone, fresh.daily_goal_minutes, fresh.email, fresh.weekly_email,
            fresh.leaderboard, fresh.badges_public) == (
        "Europe/Paris", 90, "ann@example.org", True, "anonymous", True)
    # bad input: a clear error, nothing stored
    bad = api.client.post("/account/settings", data={**form, "timezone": "Mars/Olympus",
                                                     "daily_goal_minutes": "30"})
    assert bad.status_code == 400 and "unknown time zone" in bad.text
    assert User.get_by_id(user.id).daily_goal_minutes == 90
    # unticked boxes turn the flags off
    del form["weekly_email"], form["badges_public"]
    api.client.post("/account/settings", data=form)
    fresh = User.get_by_id(user.id)
    assert not fresh.weekly_email and not fresh.badges_public
    # no SMTP on this server: "send me one now" says so
    r = api.client.post("/account/email", data={"csrf": token(api.client)})
    assert r.status_code == 503 and "no SMTP" in r.text


def test_keys_create_list_revoke_then_refused(api):
    _, ann = api.user("ann")
    sign_in(api.client, key=_key(ann))
    r = api.client.post("/account/keys", data={"csrf": token(api.client), "name": "laptop"})
    assert r.status_code == 200 and "shown once" in r.text
    new = r.text.split("id='new-key'>")[1].split("<")[0]
    headers = {"Authorization": f"Bearer {new}"}
    assert api.client.get(f"{WAKA}/summaries?range=today", headers=headers).status_code == 200
    row = ApiKey.get(ApiKey.label == "laptop")
    assert new not in str(list(api.db.execute("SELECT * FROM api_key").fetchall()))
    page = api.client.get("/account").text
    assert "laptop" in page and f"…{new[-4:]}" in page and new not in page  # shown once
    assert page.count("Revoke</button>") == 2
    r = api.client.post(f"/account/keys/{row.id}/revoke", data={"csrf": token(api.client)},
                        follow_redirects=False)
    assert r.headers["location"] == "/account?done=revoked"
    assert api.client.get(f"{WAKA}/summaries?range=today", headers=headers).status_code == 401
    assert "revoked" in api.client.get("/account").text
    assert api.client.post("/account/keys", data={"csrf": token(api.client),
                                                  "name": "x\x00"}).status_code == 400


def test_export_json_and_csv_equal_stored_data(api):
    user, ann = api.user("ann")
    dev = _history(api, ann)
    sign_in(api.client, key=_key(ann))
    exported = api.client.get("/account/export.json")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    data = json.loads(exported.content)
    stored = api.app.state.tf.history
    pulled = api.client.get("/api/sync/v1/pull", headers=ann).json()["changes"]
    expect = {c["span"]["uuid"]: c["span"] for c in pulled if "span" in c}
    assert {s["uuid"]: s for s in data["spans"]} == expect
    assert len(expect) == stored.span_count(user) and any(
        s["device"] == dev and s["keystrokes"] == 12 for s in data["spans"])
    beats = api.db.execute(
        'SELECT h.time FROM heartbeat h JOIN origin o ON o.id = h.origin JOIN device d ON '
        'd.id = o.device WHERE d."user" = %s ORDER BY h.id', (user.id,)).fetchall()
    assert [b["time"] for b in data["heartbeats"]] == [b[0] for b in beats] and len(beats) == 22
    assert {b["project"] for b in data["heartbeats"]} == {"alpha", "beta"}
    rows = list(csv.DictReader(io.StringIO(api.client.get("/account/export-spans.csv").text)))
    assert {r["uuid"]: (float(r["start"]), float(r["end"]), r["project"]) for r in rows} == {
        u: (s["start"], s["end"], s["project"]) for u, s in expect.items()}
    rows = list(csv.DictReader(io.StringIO(
        api.client.get("/account/export-heartbeats.csv").text)))
    assert [float(r["time"]) for r in rows] == [b[0] for b in beats]
    assert api.client.get("/account/export-other.csv").status_code == 404


def test_delete_days_only_after_confirmation(api):
    _, ann = api.user("ann")
    _history(api, ann)
    sign_in(api.client, key=_key(ann))

    def per_day() -> dict[str, float]:
        r = api.client.get(f"{WAKA}/summaries?range=last_7_days", headers=ann).json()
        return {d["range"]["date"]: d["grand_total"]["total_seconds"] for d in r["data"]}

    before = per_day()
    gone = (date.today() - timedelta(days=3)).isoformat()
    assert before[gone] == 600.0
    form = {"csrf": token(api.client), "first": gone, "last": gone}
    first = api.client.post("/account/delete-days", data=form)
    assert first.status_code == 200 and "10 mins" in first.text and "Yes, delete" in first.text
    assert per_day() == before  # nothing yet
    r = api.client.post("/account/delete-days", data={**form, "confirm": "yes"},
                        follow_redirects=False)
    assert r.headers["location"] == "/account?done=deleted"
    assert per_day() == {**before, gone: 0.0}
    for bad in ({"last": "2000-01-01"}, {"last": "9999-12-31"}, {"first": "someday"}):
        assert api.client.post("/account/delete-days", data={**form, **bad, "confirm": "yes"}
                               ).status_code == 400
    assert per_day() == {**before, gone: 0.0}
    # desktops learn of it at their next pull
    pulled = api.client.get("/api/sync/v1/pull", headers=ann).json()["changes"]
    assert any(c.get("deletion", {}).get("device") == "web" for c in pulled)


def test_delete_account_only_after_typed_name(api):
    user, ann = api.user("ann")
    _, bob = api.user("bob")
    _history(api, ann)
    _history(api, bob)
    sign_in(api.client, key=_key(ann))
    csrf = token(api.client)
    first = api.client.post("/account/delete", data={"csrf": csrf})
    assert first.status_code == 200 and "Type your name" in first.text
    wrong = api.client.post("/account/delete", data={"csrf": csrf, "name": "bob"})
    assert wrong.status_code == 400 and User.get_or_none(User.id == user.id) is not None
    r = api.client.post("/account/delete", data={"csrf": csrf, "name": "ann"},
                        follow_redirects=False)
    assert r.status_code == 303 and User.get_or_none(User.id == user.id) is None
    assert api.client.get(f"{WAKA}/summaries?range=today", headers=ann).status_code == 401
    for table in ("api_key", "device", "change", "user_day", "web_session", "deletion_owner"):
        assert api.db.execute(f'SELECT COUNT(*) FROM {table} WHERE "user" = %s',
                              (user.id,)).fetchone()[0] == 0, table
    assert api.db.execute(
        "SELECT COUNT(*) FROM heartbeat h JOIN origin o ON o.id = h.origin WHERE o.device "
        "NOT IN (SELECT id FROM device)").fetchone()[0] == 0
    assert api.db.execute(
        "SELECT COUNT(*) FROM span s JOIN origin o ON o.id = s.origin WHERE o.device "
        "NOT IN (SELECT id FROM device)").fetchone()[0] == 0
    # bob's data is untouched
    r = api.client.get(f"{WAKA}/summaries?range=last_7_days", headers=bob).json()
    assert r["cumulative_total"]["seconds"] == 3000.0


def test_one_user_never_reaches_another(api):
    _, ann = api.user("ann", badges_public=False)
    _, bob = api.user("bob")
    _history(api, bob)
    bob_key = ApiKey.get(ApiKey.key_hash == hash_key(_key(bob)))
    sign_in(api.client, key=_key(ann))
    page = api.client.get("/account").text
    assert "bob" not in page and f"…{_key(bob)[-4:]}" not in page
    # ann cannot revoke bob's key with her own (valid) session and token
    r = api.client.post(f"/account/keys/{bob_key.id}/revoke", data={"csrf": token(api.client)})
    assert r.status_code == 404
    assert api.client.get(f"{WAKA}/summaries?range=today", headers=bob).status_code == 200
    # her export holds none of bob's data
    data = json.loads(api.client.get("/account/export.json").content)
    assert data["user"] == "ann" and data["spans"] == [] and data["heartbeats"] == []
    # a session token of bob's does not pass as ann's
    other = TestClient(api.app)
    sign_in(other, key=_key(bob))
    r = api.client.post("/account/keys", data={"csrf": token(other), "name": "x"})
    assert r.status_code == 403
    # badges: not opted in, unknown: the same 404
    missing = [api.client.get(f"/api/badge/{name}") for name in ("ann", "bob", "nobody")]
    assert {r.status_code for r in missing} == {404}
    assert len({r.content for r in missing}) == 1


def test_badges_equal_summaries(api):
    _, ann = api.user("ann", badges_public=True)
    _history(api, ann)
    anyone = TestClient(api.app)

    def summaries(**params: str) -> dict:
        return api.client.get(f"{WAKA}/summaries", params=params, headers=ann).json()

    def badge(path: str, **params: str) -> dict:
        r = anyone.get(f"/api/badge/ann{path}", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["schemaVersion"] == 1 and body["color"]
        return body

    for named in ("today", "last_7_days", "last_30_days", "this_month"):
        whole = summaries(range=named)
        assert badge("", range=named)["message"] == duration_parts(
            whole["cumulative_total"]["seconds"])["text"]
        alpha = summaries(range=named, project="alpha")["cumulative_total"]["seconds"]
        body = badge("/project/alpha", range=named)
        assert body["label"] == "alpha" and body["message"] == duration_parts(alpha)["text"]
        rust = sum(i["total_seconds"] for d in whole["data"] for i in d["languages"]
                   if i["name"] == "Rust")
        assert badge("/language/Rust", range=named)["message"] == duration_parts(rust)["text"]
    assert badge("")["message"] == "50 mins"  # all time: 10 + 30 + 10 minutes
    assert badge("/project/alpha")["message"] == "40 mins"
    assert badge("/language/Rust")["message"] == "10 mins"
    assert badge("/project/nothing")["message"] == "0 secs"
    assert anyone.get("/api/badge/ann", params={"range": "forever"}).status_code == 400


def test_step_8_upgrades_a_step_7_database(database_url):
    """A database as server schema v7 left it (no sessions, passwords or badge flag): v8 adds
    them, the users and keys carry on, badges off."""
    db = Database(database_url)
    db.migrate()
    user = auth.create_user(db, "old")
    key = auth.create_key(db, user)
    db.execute("DROP TABLE web_session")
    db.execute("DROP TABLE user_password")
    db.execute("ALTER TABLE tf_user DROP COLUMN badges_public")
    db.execute("UPDATE meta SET value = '7' WHERE key = 'server_schema_version'")
    db.close()
    api = Api(database_url)
    try:
        assert api.db.execute("SELECT value FROM meta WHERE key = 'server_schema_version'"
                              ).fetchone()[0] == str(len(migrations.STEPS))
        sign_in(api.client, key=key)
        assert "Account: old" in api.client.get("/account").text
        assert User.get(User.name == "old").badges_public is False
        assert api.client.get("/api/badge/old").status_code == 404
    finally:
        api.close()


def test_send_me_one_now(database_url):
    """The button sends last 7 days' email at once, to the address set, over real SMTP."""
    from aiosmtpd.controller import Controller

    from server.config import SmtpConfig
    from tests.server.conftest import free_port
    from tests.server.test_email import Inbox

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    api = Api(database_url, smtp=SmtpConfig(host="127.0.0.1", port=port, security="none",
                                            timeout=10))
    try:
        _, ann = api.user("ann")
        _history(api, ann)
        sign_in(api.client, key=_key(ann))
        r = api.client.post("/account/email", data={"csrf": token(api.client)})
        assert r.status_code == 400 and "Set your email address first" in r.text
        assert inbox.messages == []
        User.update(email="ann@example.org").where(User.name == "ann").execute()
        r = api.client.post("/account/email", data={"csrf": token(api.client)},
                            follow_redirects=False)
        assert r.headers["location"] == "/account?done=emailed"
        [msg] = inbox.messages
        assert msg["To"] == "ann@example.org" and "50 mins" in msg["Subject"]
    finally:
        api.close()
        controller.stop()


def test_every_page_logs_out_with_its_own_form(api):
    """The logout forms of `/`, `/account` and `/dashboard` each carry the session's CSRF
    token, and each ends the session."""
    _, ann = api.user("ann")
    for path in ("/", "/account", "/dashboard"):
        sign_in(api.client, key=_key(ann))
        page = api.client.get(path)
        assert page.status_code == 200, path
        form = re.search(r"<form method='post' action='/logout'>(.*?)</form>", page.text)
        assert form, path
        found = CSRF.search(form[1])
        assert found, f"no CSRF token in the logout form of {path}"
        r = api.client.post("/logout", data={"csrf": found[1]}, follow_redirects=False)
        assert r.status_code == 303, (path, r.text[:200])
        assert api.client.get("/dashboard", follow_redirects=False).status_code == 303
