"""The server counts the same heartbeats the same way whatever their order, grouping, resends
and restarts, on SQLite and PostgreSQL: checked against the reference rule of
tests/test_heartbeat_accounting.py, like the desktop."""

from __future__ import annotations

import itertools
import time
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.db import Database
from server.history import History
from server.ingest import Beats, HeartbeatWriter
from server.models import User
from tests.test_heartbeat_accounting import arrivals, by_dimension, heartbeats, reference, same

_users = itertools.count()


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    database.migrate()
    yield database
    database.close()


def totals(history: History, user: User) -> dict[tuple[str, str], float]:
    by_key = history.totals(user, date(2026, 3, 1), date(2026, 3, 31))
    return by_dimension(by_key, history.activity_rows({a for a, _ in by_key}))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_server_totals_follow_wakatimes_rule_whatever_the_arrival(db, data):
    beats = data.draw(heartbeats())
    user = User.create(name=f"u{next(_users)}", created=time.time())
    history = History(db, timeout=300.0)
    writer = HeartbeatWriter(history)
    try:
        for part, restart in data.draw(arrivals(beats)):
            if restart:  # another process, or this one restarted: nothing kept in memory
                writer.close()
                history = History(db, timeout=300.0)
                writer = HeartbeatWriter(history)
            writer.submit(Beats(user, f"dev-{user.id}", "laptop", part)).result(10)
    finally:
        writer.close()
    expected = reference(beats, 300.0)
    assert same(totals(history, user), expected), (totals(history, user), expected)


def test_old_runs_are_forgotten_by_the_daily_job(db):
    from datetime import UTC, datetime, timedelta

    from desktop.engine.heartbeats import Heartbeat
    from server.config import ServerConfig
    from server.jobs import Scheduler
    from server.reports import Reports

    user = User.create(name=f"u{next(_users)}", created=time.time())
    history = History(db)
    writer = HeartbeatWriter(history)
    t0 = time.time() - 400 * 86400
    old = [Heartbeat(entity="/a.py", time=t0 + i * 60) for i in range(5)]
    recent = [Heartbeat(entity="/a.py", time=time.time() - 3600 + i * 60) for i in range(3)]
    writer.submit(Beats(user, "dev-prune", "laptop", old + recent)).result(10)
    writer.close()
    day = datetime.fromtimestamp(t0, UTC).date()
    before = history.totals(user, day - timedelta(days=1), day + timedelta(days=1))
    done = Scheduler(history, ServerConfig(database=db.url), Reports(history)).run_due()
    assert done["heartbeat-prune"] == 5
    assert db.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0] == 3
    after = history.totals(user, day - timedelta(days=1), day + timedelta(days=1))
    assert after == before and sum(after.values()) == 240  # the spans stay
