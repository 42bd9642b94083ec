"""What a live round costs: today's totals bring only today's rollups current (not every day
a bulk import dirtied, which held the write lock for a tenth of a second each round), and one
keepalive timer serves every stream (none per stream and event)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from server import live
from server.live import KEEPALIVE_COMMENT, LiveHub, today_totals
from tests.server.helpers import Api


def _dirty(api: Api) -> set[int]:
    return {d for (d,) in api.db.execute("SELECT day FROM user_day_dirty").fetchall()}


def test_today_refreshes_only_today(database_url):
    api = Api(database_url)
    try:
        user, key = api.user("ann")
        now = time.time()
        today = datetime.fromtimestamp(now, UTC).date()
        old = [{"entity": "/a.py", "type": "file", "project": "old",
                "time": now - 20 * 86400 + i * 60} for i in range(3)]
        new = [{"entity": "/b.py", "type": "file", "project": "new",
                "time": now - 300 + i * 60} for i in range(3)]
        assert api.client.post("/api/v1/users/current/heartbeats.bulk", json=old + new,
                               headers=key).status_code == 201
        before = _dirty(api)
        assert today.toordinal() in before and len(before) >= 2

        totals = today_totals(api.app.state.tf.reports, user)
        assert totals["total_seconds"] == 120 and [p["name"] for p in totals["projects"]] == \
            ["new"]
        assert _dirty(api) == before - {today.toordinal()}  # the import's days wait

        first = today - timedelta(days=21)
        report = api.app.state.tf.reports.report(user, first, today)
        assert sum(sum(d.values()) for d in report.per_day.values()) == 240
        assert _dirty(api) == set()
    finally:
        api.close()


def test_one_keepalive_timer_for_every_stream(monkeypatch):
    monkeypatch.setattr(live, "KEEPALIVE", 0.05)

    class Ann:
        id = 1

    async def run() -> list[bytes]:
        hub = LiveHub(lambda user: {"total_seconds": 0}, interval=0.01, refresh=3600)
        hub.start()
        streams = [hub.stream(Ann()) for _ in range(3)]
        try:
            firsts = [await anext(s) for s in streams]
            assert all(b"event: totals" in f for f in firsts) and hub.subscribers == 3
            seconds = [await asyncio.wait_for(anext(s), 30) for s in streams]
            hub.changed([1])
            for s in streams:  # the new totals come, after keepalives maybe
                while not (await asyncio.wait_for(anext(s), 30)).startswith(b"event: totals"):
                    pass
            return seconds
        finally:
            for s in streams:
                await s.aclose()
            await hub.stop()

    assert asyncio.run(run()) == [KEEPALIVE_COMMENT] * 3
