"""Deleting a user's data: a range of local days (a deletion like the desktop's, so synced
desktops drop it too), or the whole account with everything stored for it."""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

from server.history import History, zone
from server.models import User

WEB_DEVICE = "web"  # the device a deletion made on the account page names


def day_bounds(user: User, first: date, last: date) -> tuple[float, float]:
    """Epoch seconds of local midnight before `first` and after `last` (the user's zone)."""
    tz = zone(user)
    return (datetime.combine(first, clock(), tz).timestamp(),
            datetime.combine(last + timedelta(days=1), clock(), tz).timestamp())


def delete_days(history: History, user: User, first: date, last: date) -> None:
    start, end = day_bounds(user, first, last)
    history.delete_range(user, str(uuid.uuid4()), WEB_DEVICE, start, end, time.time())


# (table, the condition naming the user's rows) in the order they go
_MINE = (
    ("span", 'origin IN (SELECT o.id FROM origin o JOIN device d ON d.id = o.device '
             'WHERE d."user" = %s)'),
    ("heartbeat", 'origin IN (SELECT o.id FROM origin o JOIN device d ON d.id = o.device '
                  'WHERE d."user" = %s)'),
    ("heartbeat_stream", 'device IN (SELECT id FROM device WHERE "user" = %s)'),
    ("deletion", 'uuid IN (SELECT uuid FROM deletion_owner WHERE "user" = %s)'),
    *((table, '"user" = %s') for table in (
        "deletion_owner", "device", "change", "user_day", "user_week", "user_day_total",
        "user_day_dirty", "user_achievement", "user_commit", "team_member", "api_key",
        "web_session", "user_password")),
    ("tf_user", "id = %s"),
)


def delete_account(state: Any, user: User) -> None:
    """Everything of `user`, in one transaction (their origins stay: a source name and a
    device id each, shared ids that caches hold); their keys stop working at once here."""
    db = state.db
    with db.user_lock(user.id):
        for table, where in _MINE:
            db.execute(f"DELETE FROM {table} WHERE {where}", (user.id,))
    state.keys.forget()
    state.history.forget_ids()
