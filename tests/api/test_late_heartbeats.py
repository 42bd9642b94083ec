"""Over real sockets: thirty heartbeats on three files over forty minutes, posted one per
request in a shuffled order, with the engine restarted halfway, count what WakaTime's rule
gives for them, to the second, in the report and in the WakaTime API's summaries."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from desktop.engine.config import Config
from desktop.engine.heartbeats import Heartbeat
from desktop.engine.service import Engine
from tests.api.conftest import AwayPoller, send
from tests.test_heartbeat_accounting import reference


def engine_on(home) -> Engine:
    config = Config()
    config.api.port = 0
    config.focus.hosts_block = False
    engine = Engine(home, config, poller=AwayPoller())
    engine.start()
    assert engine.api is not None, engine.warnings
    return engine


def test_shuffled_single_posts_with_a_restart_count_like_wakatime(tmp_path):
    rng = random.Random(2110)
    t0 = time.time() - 3 * 3600
    files = ["/shop/cart.py", "/shop/pay.py", "/shop/ui.ts"]
    beats = [Heartbeat(entity=rng.choice(files), time=t0 + i * 80 + rng.uniform(0, 40),
                       project="shop") for i in range(30)]
    order = beats[:]
    rng.shuffle(order)
    engine = engine_on(tmp_path)
    try:
        for i, beat in enumerate(order):
            if i == 15:  # the app restarts halfway
                engine.stop()
                engine = engine_on(tmp_path)
            body = {"entity": beat.entity, "time": beat.time, "project": "shop",
                    "type": "file"}
            reply = send(engine.api.port, "POST", "/api/v1/users/current/heartbeats", body,
                         key=engine.api.key)
            assert reply.status == 201, reply.body
        expected = reference(beats, 900.0)
        zone = engine.config.zone()
        start = datetime.fromtimestamp(t0, zone).replace(hour=0, minute=0, second=0,
                                                         microsecond=0)
        summary = engine.analytics.summary(start, start + timedelta(days=2), by="file")
        got = {item.name: item.seconds for item in summary.items}
        assert got == pytest.approx({name: s for (dim, name), s in expected.items()
                                     if dim == "file"}, abs=1e-6)
        assert summary.total_seconds == pytest.approx(beats_span(beats), abs=1e-6)
    finally:
        engine.stop()


def beats_span(beats: list[Heartbeat]) -> float:
    """First to last: every gap is below the timeout, so all of it counts."""
    times = sorted(b.time for b in beats)
    assert max(b - a for a, b in pairwise(times)) < 900
    return times[-1] - times[0]
