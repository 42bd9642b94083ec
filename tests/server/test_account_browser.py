"""The account pages in a real headless Chromium against a real server process: sign in with
a password, create a key, revoke it (then the API refuses it); another site's form is refused;
screenshots at 1366x768 and 360x740, light and dark (kept in docs/screenshots/ when
TIMEFORGED_SCREENSHOTS names that directory)."""

from __future__ import annotations

import base64
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.devtools import Chromium, chromium_binary, wait_for
from tests.server.account_helpers import set_password
from tests.server.conftest import ServerProcess, admin, user_with_key

pytestmark = pytest.mark.skipif(chromium_binary() is None, reason="chromium is not installed")
SHOTS = ((1366, 768), (360, 740))


@pytest.fixture
def server(tmp_path) -> Iterator[ServerProcess]:
    url = f"sqlite:///{tmp_path}/server.sqlite3"
    user_with_key(url, "ann")
    for label in ("laptop", "ci"):
        admin(url, "create-key", "ann", "--label", label)
    assert set_password(url, "ann", "correct horse battery").returncode == 0
    process = ServerProcess(url, tmp_path / "server.log", jobs_interval_seconds="0").start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def browser(tmp_path) -> Iterator[Chromium]:
    chromium = Chromium(tmp_path / "profile")
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def other_site(server) -> Iterator[str]:
    """Another site (localhost, not 127.0.0.1) whose page posts a form to the server."""
    form = (f"<form method='post' action='{server.url}/account/keys'><input name='name' "
            f"value='stolen'></form><script>document.forms[0].submit()</script>").encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(form)))
            self.end_headers()
            self.wfile.write(form)

        def log_message(self, *args) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{site.server_address[1]}/"
    site.shutdown()
    site.server_close()


def _status(url: str, key: str) -> int:
    request = urllib.request.Request(url + "/api/v1/users/current/summaries?range=today",
                                     headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _loaded(browser: Chromium, page: str, path: str) -> None:
    wait_for(lambda: browser.evaluate(page, "location.pathname + location.search") == path
             and browser.evaluate(page, "document.readyState") == "complete",
             what=f"{path} to load")


def _submit(browser: Chromium, page: str, selector: str) -> None:
    """Click the button of the form `selector` names, as a user would."""
    browser.evaluate(page, f"document.querySelector({json.dumps(selector)}).click()")


def screenshots(browser: Chromium, page: str, into: Path, name: str) -> list[Path]:
    """The page at each size of SHOTS, light and dark."""
    into.mkdir(parents=True, exist_ok=True)
    out = []
    for width, height in SHOTS:
        browser.call("Emulation.setDeviceMetricsOverride", page, width=width, height=height,
                     deviceScaleFactor=1, mobile=width < 600)
        for scheme in ("light", "dark"):
            browser.call("Emulation.setEmulatedMedia", page, features=[
                {"name": "prefers-color-scheme", "value": scheme}])
            wide = browser.evaluate(page, "document.documentElement.scrollWidth")
            assert wide <= width, f"{width}px: the page is {wide}px wide"
            shot = browser.call("Page.captureScreenshot", page, format="png")
            path = into / f"{name}-{width}x{height}-{scheme}.png"
            path.write_bytes(base64.b64decode(shot["data"]))
            out.append(path)
    return out


def test_sign_in_create_and_revoke_a_key(server, browser, other_site, tmp_path):
    into = Path(os.environ.get("TIMEFORGED_SCREENSHOTS") or tmp_path / "shots")
    tab, page = browser.open(server.url + "/login")
    _loaded(browser, page, "/login")
    screenshots(browser, page, into, "server-login")
    browser.call("Emulation.clearDeviceMetricsOverride", page)
    browser.evaluate(page, "document.querySelector('[name=name]').value = 'ann';"
                           "document.querySelector('[name=password]').value = "
                           "'correct horse battery'")
    _submit(browser, page, "form[action='/login'] button")
    _loaded(browser, page, "/")
    cookie = next(c for c in browser.call("Network.getCookies", page)["cookies"]
                  if c["name"] == "tf_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert browser.evaluate(page, "document.cookie") == ""  # not readable by scripts

    browser.navigate(page, server.url + "/account")
    _loaded(browser, page, "/account")
    browser.evaluate(page, "document.querySelector('form[action=\"/account/keys\"] "
                           "[name=name]').value = 'browser'")
    _submit(browser, page, "form[action='/account/keys'] button")
    key = wait_for(lambda: browser.evaluate(
        page, "document.getElementById('new-key')?.textContent"), what="the new key")
    assert _status(server.url, key) == 200
    rows = browser.evaluate(page, "[...document.querySelectorAll('tr')].map(r => r.innerText)")
    assert sum("browser" in r for r in rows) == 1 and not any(key in r for r in rows)
    for path in screenshots(browser, page, into, "server-account"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    browser.call("Emulation.clearDeviceMetricsOverride", page)


    # another site's form: refused, and no key made
    keys_before = browser.evaluate(page, "document.querySelectorAll('tr').length")
    evil_tab, evil = browser.open(other_site)
    _loaded(browser, evil, "/account/keys")
    assert "cross-site request refused" in browser.evaluate(evil, "document.body.innerText")
    browser.call("Target.closeTarget", targetId=evil_tab)
    browser.call("Target.activateTarget", targetId=tab)  # a background tab does not paint
    browser.navigate(page, server.url + "/account")
    _loaded(browser, page, "/account")
    assert browser.evaluate(page, "document.querySelectorAll('tr').length") == keys_before
    assert "stolen" not in browser.evaluate(page, "document.body.innerText")

    # revoke it: by keyboard, as someone without a mouse would
    browser.evaluate(page, "[...document.querySelectorAll('tr')].find(r => r.innerText"
                           ".includes('browser')).querySelector('button').focus()")
    assert browser.evaluate(page, "document.activeElement.textContent") == "Revoke"
    for kind in ("keyDown", "keyUp"):
        browser.call("Input.dispatchKeyEvent", page, type=kind, key="Enter", code="Enter",
                     windowsVirtualKeyCode=13, **({"text": "\r"} if kind == "keyDown" else {}))
    _loaded(browser, page, "/account?done=revoked")
    assert _status(server.url, key) == 401
