"""CSRF protection of the web pages' forms: each session's token in a hidden field
(`field(session)`), checked with `check(request, form)` on every form POST; a request another
site sent (its Origin, or Sec-Fetch-Site: cross-site) is refused even before that."""

from __future__ import annotations

import hmac
from html import escape
from urllib.parse import parse_qs, urlsplit

from fastapi import HTTPException, Request

from server.account.sessions import WebSession, of

FIELD = "csrf"
MAX_FORM = 64 * 1024


def token_for(session: WebSession) -> str:
    return session.csrf


def field(session: WebSession | None) -> str:
    """The hidden input a form of the page carries (nothing without a session)."""
    if session is None:
        return ""
    return f"<input type='hidden' name='{FIELD}' value='{escape(session.csrf, quote=True)}'>"


def same_site(request: Request) -> bool:
    """False when the browser says another site sent the request: Sec-Fetch-Site, or an
    Origin that is neither this host nor the configured public URL. Clients that send
    neither header (curl, scripts) are not browsers acting for another site."""
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    host = urlsplit(origin).netloc.lower()
    public = urlsplit(request.app.state.tf.config.public_url).netloc.lower()
    return host in (request.headers.get("host", "").lower(), public)


async def form_of(request: Request) -> dict[str, str]:
    """The urlencoded form (its first value per name); 413 past `MAX_FORM` bytes."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise HTTPException(413, "form too large")
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"),
                                         keep_blank_values=True).items()}


def check(request: Request, form: dict[str, str]) -> WebSession:
    """The request's session when the form is this site's own; else 403 (401 without a
    session)."""
    if not same_site(request):
        raise HTTPException(403, "cross-site request refused")
    session = of(request)
    if session is None:
        raise HTTPException(401, "sign in first")
    if not hmac.compare_digest(form.get(FIELD, "").encode(), session.csrf.encode()):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and retry")
    return session
