"""The real ActivityWatch: aw-server (from PyPI, in its own venv) is filled with aw-client,
exported through its REST API whole and per bucket, and the files imported into TimeForged in
every order give the time aw-server's own canonical query gives."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

from desktop.engine.io import import_file
from desktop.engine.store import Store

pytestmark = [pytest.mark.realapp, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "tests" / ".venv-activitywatch"
HOST = "tf-host"
WINDOW, AFK, WEB = f"aw-watcher-window_{HOST}", f"aw-watcher-afk_{HOST}", "aw-watcher-web-firefox"
START = "2024-05-06T09:00:00+00:00"

# Run with the venv's python: creates the buckets, inserts the events, prints the canonical
# not-AFK query of aw-client (sys.argv[1] is the server's port). The short gaps lie between
# events of equal data: between different data, aw-core (0.5.18) splits a gap at its middle
# where TimeForged gives it to the earlier event (docs/app.md).
FILL = f'''
import json, sys
from datetime import datetime, timedelta
from aw_client import ActivityWatchClient
from aw_client.queries import DesktopQueryParams, canonicalEvents
from aw_core.models import Event

client = ActivityWatchClient("timeforged-test", host="127.0.0.1", port=int(sys.argv[1]))
client.client_hostname = {HOST!r}
t0 = datetime.fromisoformat({START!r})

def events(rows):
    return [Event(timestamp=t0 + timedelta(seconds=a), duration=timedelta(seconds=b - a),
                  data=data) for a, b, data in rows]

def window(app):
    return {{"app": app, "title": app + " window"}}

def tab(url, audible=False):
    return {{"url": url, "title": url, "audible": audible, "incognito": False}}

buckets = {{
    {WINDOW!r}: ("currentwindow", [
        (0, 700, window("Code")), (703, 1200, window("Code")),  # 3 s gap: flooded
        (1200, 1800, window("firefox")), (1800, 2400, window("Code")),
        (2400, 2700, window("kitty")), (2760, 3600, window("firefox")),
        (3600, 3900, window("Slack")), (3900, 5400, window("Code")),
        (9000, 9600, window("kitty"))]),
    {AFK!r}: ("afkstatus", [
        (0, 1000, {{"status": "not-afk"}}), (1004, 2000, {{"status": "not-afk"}}),
        (2000, 2800, {{"status": "afk"}}), (2800, 3700, {{"status": "not-afk"}}),
        (3700, 4500, {{"status": "afk"}}), (4500, 5400, {{"status": "not-afk"}}),
        (9000, 9300, {{"status": "not-afk"}})]),
    {WEB!r}: ("web.tab.current", [
        (1200, 1800, tab("https://docs.python.org/3/")),
        (2760, 2900, tab("https://www.youtube.com/watch?v=x", audible=True)),
        (2900, 3600, tab("https://github.com/timeforged/pulls"))]),
}}
for bucket, (kind, rows) in buckets.items():
    client.create_bucket(bucket, kind)
    client.insert_events(bucket, events(rows))
params = DesktopQueryParams(bid_window={WINDOW!r}, bid_afk={AFK!r}, bid_browsers=[{WEB!r}],
                            classes=[(["Work"], {{"type": "regex", "regex": "Code"}})])
print(json.dumps(canonicalEvents(params)))
'''


@pytest.fixture(scope="session")
def aw_python() -> Path:
    """tests/.venv-activitywatch/bin/python with aw-server and aw-client from PyPI, installed
    on first use (gitignored)."""
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "aw-server").exists():
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(VENV)], check=True, timeout=120)
        # aw-server 0.12 (the last on PyPI) was made for peewee 3 (its storage reads
        # timestamps as strings) and Flask 2.2 (its JSON encoder for query results).
        done = subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "aw-server",
                               "aw-client", "peewee<4", "flask<2.3"], capture_output=True,
                              text=True, timeout=600)
        if done.returncode:
            pytest.skip(f"aw-server cannot be installed here: {done.stderr[-500:]}")
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, path: str, body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/0/{path}", data=data,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture
def aw_server(aw_python, tmp_path):
    """A real `aw-server --testing` on a free port with its own data under tmp_path."""
    port = free_port()
    home = tmp_path / "aw-home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache")}
    log = (tmp_path / "aw-server.log").open("w")
    proc = subprocess.Popen([str(VENV / "bin" / "aw-server"), "--testing", "--host",
                             "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        for _ in range(300):  # up to 30 s to listen
            try:
                request(port, "info")
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "aw-server.log").read_text()
                time.sleep(0.1)
        else:
            pytest.fail("aw-server did not start: " + (tmp_path / "aw-server.log").read_text())
        yield port, env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def canonical(port: int, query: str, extra: str, returned: str) -> list[dict]:
    lines = [line.strip() for line in f"{query}\n{extra}\nRETURN = {returned};".split("\n")]
    periods = ["2024-05-06T00:00:00+00:00/2024-05-07T00:00:00+00:00"]
    return request(port, "query/", {"query": [x for x in lines if x],
                                     "timeperiods": periods})[0]


def store_totals(store: Store) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {"app": defaultdict(float), "site": defaultdict(float)}
    for s in store.spans(0, 1e12):
        if s.source == "activitywatch:window":
            out["app"][s.app] += s.duration
        else:
            out["site"][s.site.removeprefix("www.")] += s.duration  # as aw-server names it
    return {k: dict(v) for k, v in out.items()}


def close(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= 1 for k in a)


def test_exports_imported_in_any_order_equal_aw_servers_canonical_query(aw_server, aw_python,
                                                                        tmp_path):
    port, env = aw_server
    filled = subprocess.run([str(aw_python), "-c", FILL, str(port)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert filled.returncode == 0, filled.stderr
    query = json.loads(filled.stdout.strip().splitlines()[-1])

    # aw-server's own answer: not-AFK window time by app; focused tabs within it by site.
    expected: dict[str, dict[str, float]] = {"app": defaultdict(float),
                                             "site": defaultdict(float)}
    for ev in canonical(port, query, "", "events"):
        expected["app"][ev["data"]["app"]] += ev["duration"]
    for ev in canonical(port, query, "web = filter_period_intersect(browser_events, not_afk);",
                        "web"):
        expected["site"][ev["data"]["$domain"]] += ev["duration"]
    expected = {k: {n: s for n, s in v.items() if s > 0} for k, v in expected.items()}
    assert expected == {  # worked out by hand, so that the comparison is not vacuous
        "app": {"Code": 1200 + 200 + 900, "firefox": 600 + 800 + 40,  # 40: the audible tab
                "Slack": 100, "kitty": 300},
        "site": {"docs.python.org": 600, "youtube.com": 140, "github.com": 700}}

    files = {"whole": tmp_path / "whole.json"}
    files["whole"].write_text(json.dumps(request(port, "export")))
    for bucket in (WINDOW, AFK, WEB):
        files[bucket] = tmp_path / f"{bucket}.json"
        exported = request(port, f"buckets/{bucket}/export")
        assert list(exported["buckets"]) == [bucket]
        files[bucket].write_text(json.dumps(exported))

    results = {}
    orders = [("whole",), *itertools.permutations([WINDOW, AFK, WEB]),
              (WINDOW, "whole"), (WEB, AFK, "whole", WINDOW)]
    for n, order in enumerate(orders):
        store = Store(tmp_path / f"tf{n}.sqlite3", device="this-pc")
        for name in order:
            import_file(files[name], store)
        got = store_totals(store)
        assert close(got["app"], expected["app"]), (order, got, expected)
        assert close(got["site"], expected["site"]), (order, got, expected)
        results[order] = sorted((s.uuid, s.start, s.end) for s in store.spans(0, 1e12))
        store.close()
    assert len({json.dumps(r) for r in results.values()}) == 1  # the same spans, any order

    # And once through the real CLI: the window bucket first, then the whole export.
    tf_home = tmp_path / "tf-cli"
    tf_home.mkdir()
    cli_env = {**os.environ, "TIMEFORGED_HOME": str(tf_home), "COLUMNS": "200"}
    for name in (WINDOW, "whole", "whole"):
        done = subprocess.run([sys.executable, "-m", "desktop.cli", "import", str(files[name])],
                              cwd=ROOT, env=cli_env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
    assert "Imported 0 new spans" in done.stdout, done.stdout
    store = Store(tf_home / "timeforged.sqlite3")
    try:
        got = store_totals(store)
        assert close(got["app"], expected["app"]) and close(got["site"], expected["site"])
    finally:
        store.close()
