"""The browser extension in a real headless Chromium: configured through its options page, it
reports the focused tab to the engine, and redirects blocked sites during a focus session.

Sites resolve to a local HTTPS server (`--host-resolver-rules`); github.com is on the HSTS
preload list, hence HTTPS with a throwaway self-signed certificate."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from desktop.engine.api.security import CHROME_EXTENSION_IDS
from tests.devtools import Chromium, chromium_binary, wait_for
from watchers.window.base import WindowInfo

pytestmark = pytest.mark.skipif(chromium_binary() is None, reason="chromium is not installed")
EXTENSION = Path(__file__).resolve().parents[2] / "extension"
EXTENSION_ID = next(iter(CHROME_EXTENSION_IDS))


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0]
        body = (f"<!doctype html><title>{host}{self.path}</title><h1>{host}</h1>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.visits.append(f"{host}{self.path}")  # type: ignore[attr-defined]

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def sites(tmp_path) -> Iterator[tuple[int, list[str]]]:
    """An HTTPS server answering for every host name; (port, paths visited)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=timeforged-test", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.visits = []  # type: ignore[attr-defined]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], server.visits  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser(tmp_path, sites) -> Iterator[Chromium]:
    port = sites[0]
    chromium = Chromium(tmp_path / "profile", extensions=[EXTENSION], args=[
        f"--host-resolver-rules=MAP github.com 127.0.0.1:{port}, "
        f"MAP *.example 127.0.0.1:{port}", "--ignore-certificate-errors"])
    try:
        yield chromium
    finally:
        chromium.close()


def test_extension_reports_tabs_and_blocks_during_focus(running, browser, sites):
    engine = running.engine
    worker = wait_for(lambda: [t for t in browser.targets() if t["type"] == "service_worker"
                               and EXTENSION_ID in t["url"]], what="the extension's worker")
    assert worker[0]["url"] == f"chrome-extension://{EXTENSION_ID}/background.js"

    # the user opens the options page and enters the port and the key
    _, options = browser.open(f"chrome-extension://{EXTENSION_ID}/options.html")
    wait_for(lambda: browser.evaluate(options, "document.getElementById('port')?.value"),
             what="the options page")
    status = browser.evaluate(options, f"""(async () => {{
        document.getElementById('port').value = '{running.port}';
        document.getElementById('key').value = '{running.key}';
        document.getElementById('form').requestSubmit();
        for (let i = 0; i < 100; i++) {{
            const text = document.getElementById('status').textContent;
            if (text.includes('Connected') || text.includes('but')) return text;
            await new Promise(r => setTimeout(r, 100));
        }}
        return document.getElementById('status').textContent;
    }})()""")
    assert "Connected to TimeForged" in status, status

    # a tab on github.com: its URL reaches the engine's URL seam and becomes a browser span
    url = "https://github.com/timeforged/timeforged/pulls"
    started = time.monotonic()
    tab, page = browser.open(url)
    window = WindowInfo(app="chromium", title=None)
    reported = wait_for(lambda: (tab_url := engine.api.tabs.url_for("Chromium", window, None))
                        and tab_url.url == url and tab_url, what="the tab report")
    print(f"tab reported {time.monotonic() - started:.2f} s after opening it")
    assert (reported.url, reported.private) == (url, False)
    assert "github.com/timeforged/timeforged/pulls" in sites[1]
    time.sleep(1.5)
    browser.navigate(page, "https://docs.example/guide")
    # the github span grows with each report and ends when the docs page is reported
    on_github = wait_for(lambda: (found := [s for s in running.spans() if s.url == url])
                         and sum(s.end - s.start for s in found) >= 1.4 and found,
                         what="the github span to end at the next page")
    assert {(s.source, s.site, s.browser) for s in on_github} == {
        ("browser", "github.com", "Chromium")}

    # a focus session blocking news.example: the extension redirects it to its own page
    if getattr(engine, "focus", None) is None:
        from desktop.engine.focus.controller import FocusController

        engine.focus = FocusController(engine.rules)
    from desktop.engine.focus.session import FocusPlan

    engine.focus.start(FocusPlan(minutes=10, block_sites=("news.example",),
                                 block_distracting=False))
    state = running.call("GET", "/api/v1/focus").json()["data"]
    assert state["active"] and state["mode"] == "block" and "news.example" in state["sites"]
    started = time.monotonic()
    browser.navigate(page, "https://www.news.example/today")
    blocked = wait_for(lambda: browser.url_of(tab).startswith(
        f"chrome-extension://{EXTENSION_ID}/blocked.html") and browser.url_of(tab),
        what="the redirect")
    print(f"blocked page shown {time.monotonic() - started:.2f} s after navigating")
    assert "news.example" in blocked
    text = wait_for(lambda: (t := browser.evaluate(page, "document.body?.innerText || ''"))
                    and "www.news.example" in t and t, what="the blocked page")
    assert "blocked during your focus session" in text and "left in this session" in text
    # the redirect counts as a blocked attempt in the focus stats
    stats = engine.focus.stats
    if stats is not None:
        counted = wait_for(lambda: stats.summary(time.time() - 600, time.time() + 1)
                           .attempts_by_site.get("news.example"), what="the attempt")
        assert counted == 1
    # an unrelated site still opens during the session
    browser.navigate(page, "https://docs.example/allowed")
    wait_for(lambda: browser.url_of(tab) == "https://docs.example/allowed", what="docs")
    time.sleep(1)
    assert browser.url_of(tab) == "https://docs.example/allowed"
    # and after the session, news.example opens again
    engine.focus.stop()
    browser.navigate(page, "https://news.example/later")
    wait_for(lambda: "news.example/later" in sites[1], what="news after the session")
    time.sleep(1)
    assert browser.url_of(tab) == "https://news.example/later"
    assert json.dumps(running.call("GET", "/api/v1/focus").json()) == '{"data": {"active": false}}'
