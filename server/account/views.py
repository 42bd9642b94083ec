"""The HTML of the account pages (everything shown is escaped; every form carries the CSRF
field)."""

from __future__ import annotations

from datetime import date, datetime
from html import escape as e
from typing import Any

from desktop.engine.api.shapes import duration_parts
from server.auth import LEADERBOARD_CHOICES
from server.history import zone
from server.models import ApiKey, User
from server.web_base import page

DONE = {"settings": "Settings saved.", "revoked": "Key revoked.", "deleted": "Days deleted.",
        "emailed": "Email sent."}


def when(user: User, at: float | None) -> str:
    if not at:
        return "never"
    local = datetime.fromtimestamp(at, zone(user))
    return f"<span class='nowrap'>{local:%Y-%m-%d}</span> <span class='nowrap'>{local:%H:%M}</span>"


def _checkbox(name: str, label: str, on: bool) -> str:
    return (f"<label><input type='checkbox' name='{name}'{' checked' if on else ''}> "
            f"{e(label)}</label>")


def _settings(user: User, token: str) -> str:
    board = "".join(f"<option{' selected' if c == user.leaderboard else ''}>{c}</option>"
                    for c in LEADERBOARD_CHOICES)
    return (f"<section aria-labelledby='settings'><h2 id='settings'>Settings</h2>"
            f"<form method='post' action='/account/settings'>{token}"
            f"<label>Time zone <input type='text' name='timezone' value='{e(user.timezone)}' "
            f"required maxlength='63'></label>"
            f"<label>Daily goal (minutes) <input type='number' name='daily_goal_minutes' "
            f"min='0' max='1440' value='{user.daily_goal_minutes}'></label>"
            f"<label>Email <input type='email' name='email' value='{e(user.email or '')}' "
            f"maxlength='253'></label>"
            f"{_checkbox('weekly_email', 'Send me a weekly email', user.weekly_email)}"
            f"<label>Leaderboard <select name='leaderboard'>{board}</select></label>"
            f"{_checkbox('badges_public', 'Public badges (/api/badge/...)', user.badges_public)}"
            f"<button>Save</button></form>"
            f"<form method='post' action='/account/email'>{token}<p>"
            f"<button class='plain'>Send me one now</button> "
            f"<span class='muted'>last week's email, to the address above</span></p></form>"
            f"</section>")


def _keys(user: User, keys: list[ApiKey], token: str) -> str:
    rows = "".join(
        f"<tr><td>{e(k.label or '-')} <span class='muted nowrap'>…{e(k.hint or '????')}"
        f"</span></td><td class='wide'>{when(user, k.created)}</td>"
        f"<td>{when(user, k.last_used)}</td><td>"
        + (f"revoked {when(user, k.revoked_at)}" if k.revoked else
           f"<form method='post' action='/account/keys/{k.id}/revoke'>{token}"
           f"<button class='danger' aria-label='Revoke key {e(k.label or k.hint or '')}'>"
           f"Revoke</button></form>")
        + "</td></tr>" for k in keys)
    return (f"<section aria-labelledby='keys'><h2 id='keys'>API keys</h2><div class='scroll'>"
            f"<table><tr><th>Name</th><th class='wide'>Created</th><th>Last used</th>"
            f"<th></th></tr>{rows or '<tr><td colspan=4>no keys</td></tr>'}</table></div>"
            f"<form method='post' action='/account/keys' class='row'>{token}"
            f"<label>New key's name <input type='text' name='name' maxlength='64'></label>"
            f"<button>Create key</button></form></section>")


def _data(token: str) -> str:
    return (f"<section aria-labelledby='data'><h2 id='data'>Your data</h2>"
            f"<p>Export: <a href='/account/export.json' download>JSON</a> · "
            f"<a href='/account/export-spans.csv' download>spans CSV</a> · "
            f"<a href='/account/export-heartbeats.csv' download>heartbeats CSV</a></p>"
            f"<form method='post' action='/account/delete-days' class='row'>{token}"
            f"<label>From <input type='date' name='first' required></label>"
            f"<label>To <input type='date' name='last' required></label>"
            f"<button class='danger'>Delete these days…</button></form>"
            f"<form method='post' action='/account/delete'>{token}<p>"
            f"<button class='danger'>Delete my account…</button></p></form></section>")


def account_page(user: User, keys: list[ApiKey], token: str, *, done: str | None = None,
                 error: str | None = None, new_key: str | None = None) -> str:
    parts = [f"<h1>Account: {e(user.name)}</h1>"]
    if error:
        parts.append(f"<p class='error' role='alert'>{e(error)}</p>")
    elif done in DONE:
        parts.append(f"<p class='ok' role='status'>{DONE[done]}</p>")
    if new_key:
        parts.append(f"<section role='status'><h2>Your new key</h2><p><code class='secret' "
                     f"id='new-key'>{e(new_key)}</code></p><p class='muted'>Copy it now: it "
                     f"is shown once, only its hash is kept.</p></section>")
    parts += [_keys(user, keys, token), _settings(user, token), _data(token)]
    return page("Account", "".join(parts), user, token)


def confirm_days(user: User, first: date, last: date, seconds: float, token: str) -> str:
    return page("Delete days", (
        f"<h1>Delete {first:%Y-%m-%d} to {last:%Y-%m-%d}?</h1><p>This deletes "
        f"<b>{e(duration_parts(seconds)['text'])}</b> of tracked time in these days "
        f"(your time zone, {e(user.timezone)}), here and, at their next sync, on your "
        f"desktops. It cannot be undone.</p>"
        f"<form method='post' action='/account/delete-days' class='row'>{token}"
        f"<input type='hidden' name='first' value='{first:%Y-%m-%d}'>"
        f"<input type='hidden' name='last' value='{last:%Y-%m-%d}'>"
        f"<input type='hidden' name='confirm' value='yes'>"
        f"<button class='danger'>Yes, delete them</button> <a href='/account'>Cancel</a>"
        f"</form>"), user, token)


def confirm_account(user: User, token: str, wrong: bool = False) -> str:
    error = "<p class='error' role='alert'>That is not your name.</p>" if wrong else ""
    return page("Delete account", (
        f"<h1>Delete your account?</h1>{error}<p>Everything stored for "
        f"<b>{e(user.name)}</b> goes: time, heartbeats, keys, settings. It cannot be undone."
        f" Type your name to confirm.</p>"
        f"<form method='post' action='/account/delete'>{token}"
        f"<label>Your name <input type='text' name='name' autocomplete='off' required>"
        f"</label><p class='row'><button class='danger'>Delete my account</button> "
        f"<a href='/account'>Cancel</a></p></form>"), user, token)


def form_settings(form: dict[str, str]) -> dict[str, Any]:
    """The settings form as `server.web.apply_settings` takes it (ValueError: bad goal)."""
    body: dict[str, Any] = {"timezone": form.get("timezone", "").strip(),
                            "weekly_email": "weekly_email" in form,
                            "leaderboard": form.get("leaderboard", "")}
    goal = form.get("daily_goal_minutes", "").strip()
    if goal:
        if not goal.isdigit():
            raise ValueError("daily goal: a whole number of minutes")
        body["daily_goal_minutes"] = int(goal)
    if form.get("email", "").strip():
        body["email"] = form["email"].strip()
    return body
