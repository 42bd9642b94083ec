"""Browser sessions, kept server-side in `web_session`: the cookie `tf_session` holds a random
token and its HMAC (the server secret); the table holds the token's SHA-256, so a leaked
database row cannot be replayed, and a logout deletes the row (the old cookie stops working).
A session opened with an API key ends when that key is revoked. Each session has its own CSRF
token (`server.csrf`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from server.models import User

COOKIE = "tf_session"
LIFETIME = 7 * 86400


@dataclass(frozen=True)
class WebSession:
    id: str  # SHA-256 hex of the cookie's token
    user: User
    csrf: str
    expires: float


def _mac(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(state: Any, user: User, key_id: int | None = None) -> str:
    """A new session of `user` (opened with the API key `key_id`, if one); returns the
    cookie's value."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    state.db.execute("DELETE FROM web_session WHERE expires < %s", (now,))
    state.db.execute('INSERT INTO web_session (id, "user", csrf, created, expires, key_id) '
                     "VALUES (%s, %s, %s, %s, %s, %s)", (_digest(token), user.id,
                                                         secrets.token_urlsafe(32), now,
                                                         now + LIFETIME, key_id))
    return f"{token}.{_mac(state.secret, token)}"


def current(state: Any, cookie: str | None) -> WebSession | None:
    """The live session the cookie names, or None (bad signature, ended, expired)."""
    if not cookie or len(cookie) > 200 or "." not in cookie:
        return None
    token, mac = cookie.rsplit(".", 1)
    if not hmac.compare_digest(_mac(state.secret, token), mac):
        return None
    row = state.db.execute(
        'SELECT s.id, s."user", s.csrf, s.expires, k.revoked FROM web_session s LEFT JOIN '
        "api_key k ON k.id = s.key_id WHERE s.id = %s", (_digest(token),)).fetchone()
    if row is None or row[3] < time.time() or row[4]:
        return None
    user = User.get_or_none(User.id == row[1])
    return None if user is None else WebSession(row[0], user, row[2], row[3])


def session_user(state: Any, cookie: str | None) -> User | None:
    """The signed-in user of the cookie (`server.signin`'s contract)."""
    found = current(state, cookie)
    return found.user if found else None


def of(request: Request) -> WebSession | None:
    return current(request.app.state.tf, request.cookies.get(COOKIE))


def end(state: Any, session: WebSession) -> None:
    state.db.execute("DELETE FROM web_session WHERE id = %s", (session.id,))


def end_all(state: Any, user: User) -> None:
    state.db.execute('DELETE FROM web_session WHERE "user" = %s', (user.id,))


def over_https(request: Request) -> bool:
    """The browser's connection is HTTPS: the request's scheme, or, behind a proxy configured
    as such (`behind_proxy`), its X-Forwarded-Proto; `cookie_secure` forces it."""
    config = request.app.state.tf.config
    if config.cookie_secure or request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return bool(config.behind_proxy) and forwarded == "https"


def set_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(COOKIE, value, max_age=LIFETIME, httponly=True, samesite="strict",
                        secure=over_https(request), path="/")


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                           secure=over_https(request))
