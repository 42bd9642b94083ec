"""Signing in through the web pages in tests: a password set by the real CLI, a session's
cookie and its CSRF token read from a page."""

from __future__ import annotations

import re
import subprocess
import sys

from fastapi.testclient import TestClient

from tests.server.conftest import ROOT, server_env

CSRF = re.compile(r"name='csrf' value='([^']+)'")


def set_password(database_url: str, name: str, password: str) -> subprocess.CompletedProcess:
    """`timeforged-server user set-password NAME`, the password on stdin."""
    return subprocess.run([sys.executable, "-m", "server", "user", "set-password", name],
                          cwd=ROOT, env=server_env(database_url), input=password + "\n",
                          capture_output=True, text=True, timeout=60)


def sign_in(client: TestClient, **form: str) -> str:
    """Posts the sign-in form (key=..., or name= and password=); the session cookie set."""
    r = client.post("/login", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/", r.headers
    return client.cookies["tf_session"]


def token(client: TestClient) -> str:
    found = CSRF.search(client.get("/account").text)
    assert found, "no CSRF field on /account"
    return found[1]
