"""Rate limits over real sockets: what is refused costs nothing, and key holders have their own
budget, so a web page (or any program without the key) cannot starve the editors."""

from __future__ import annotations

import threading
import time
from collections import Counter

from desktop.engine.api.security import CHROME_EXTENSION_IDS
from desktop.engine.api.server import ApiServer
from tests.api.conftest import send

ONE = "/api/v1/users/current/heartbeats"
OURS = f"chrome-extension://{next(iter(CHROME_EXTENSION_IDS))}"


def beat(i: int) -> dict:
    return {"entity": "/home/me/app/main.py", "time": time.time() - 600 + i, "project": "app"}


class Flood:
    """Threads sending `requests` (a list of send() keyword sets, in turn) as fast as they can
    until stopped; `statuses` counts the answers."""

    def __init__(self, port: int, requests: list[dict], threads: int = 4) -> None:
        self.port, self.requests = port, requests
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]

    def _run(self, offset: int) -> None:
        i = offset
        while not self._stop.is_set():
            status = send(self.port, **self.requests[i % len(self.requests)]).status
            with self._lock:
                self.statuses[status] += 1
            i += 1

    def sent(self) -> int:
        with self._lock:
            return sum(self.statuses.values())

    def wait_for(self, count: int) -> None:
        """Until `count` requests of the flood have been answered (however slow the machine)."""
        while self.sent() < count:
            time.sleep(0.005)

    def __enter__(self) -> Flood:
        for thread in self._threads:
            thread.start()
        self.wait_for(100)  # the flood is under way before anyone else posts
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def test_a_web_page_flooding_the_api_does_not_starve_the_editor(running):
    """No-cors posts from a page (its own Origin, no key), and programs without the key, flood
    the API while the editor posts with the key: the editor never hears 429."""
    api = ApiServer(running.engine, port=0, rate=2.0, burst=20)
    api.start()
    page = {"method": "POST", "path": ONE, "body": beat(0)}
    flood = [{**page, "headers": {"Origin": "https://evil.example",
                                  "Content-Type": "text/plain"}},
             {**page, "headers": {"Origin": "null"}},
             {**page, "headers": {"Sec-Fetch-Site": "cross-site"}},
             {**page, "headers": {"Host": "evil.example"}},
             page,  # no key
             {**page, "key": "9b2c8c1e-2a4f-4b6f-8f59-0f2a1c3d4e5f"},  # a wrong key
             {**page, "key": api.key, "headers": {"Origin": "https://evil.example"}}]
    try:
        with Flood(api.port, flood) as flooding:
            editor = []
            for i in range(1, 21):  # ten of the flood's requests answered between two posts
                flooding.wait_for(100 + 10 * i)
                editor.append(send(api.port, "POST", ONE, beat(i), key=api.key).status)
    finally:
        api.stop()
    assert editor == [201] * 20, flooding.statuses
    assert set(flooding.statuses) <= {401, 403}, flooding.statuses
    assert flooding.sent() >= 300


def test_preflights_have_their_own_budget(running):
    """Our extension's preflights (sent without the key) spend the budget of everything else;
    when it is spent they hear 429 and key holders are still served."""
    api = ApiServer(running.engine, port=0, rate=1.0, burst=20, other_rate=1.0, other_burst=5)
    api.start()
    preflight = {"Origin": OURS, "Access-Control-Request-Method": "POST"}
    try:
        preflights = [send(api.port, "OPTIONS", ONE, headers=preflight).status
                      for _ in range(10)]
        keyed = [send(api.port, "GET", "/today", key=api.key).status for _ in range(10)]
    finally:
        api.stop()
    assert preflights[:5] == [204] * 5 and 429 in preflights[5:]
    assert keyed == [200] * 10
