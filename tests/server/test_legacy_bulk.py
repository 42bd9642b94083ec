"""`POST /api/v1`, where wakatime<14 posts its bulk (to `api_url` itself), over a real socket
to a real server: answered like `heartbeats.bulk` (a list) and `heartbeats` (one object)."""

from __future__ import annotations

import base64
import http.client
import json
from datetime import UTC, datetime, timedelta

from tests.server.conftest import user_with_key


def _request(port: int, key: str, method: str, path: str, body: object = None
             ) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers={
            "Authorization": "Basic " + base64.b64encode(key.encode()).decode(),
            "Content-Type": "application/json", "X-Machine-Name": "old-laptop"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def test_bare_api_v1_takes_a_bulk_and_a_single_heartbeat(server_process):
    key = user_with_key(server_process.database_url)
    server_process.start()
    day = datetime.now(UTC).date() - timedelta(days=1)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()
    beats = [{"entity": "/src/shop/cart.py", "type": "file", "time": noon + i * 60,
              "project": "shop", "language": "Python"} for i in range(3)]
    status, reply = _request(server_process.port, key, "POST", "/api/v1", beats)
    assert status == 201, reply
    assert [code for _, code in reply["responses"]] == [201, 201, 201]
    assert [r["data"]["entity"] for r, _ in reply["responses"]] == ["/src/shop/cart.py"] * 3
    one = {**beats[0], "time": noon + 180}
    status, single = _request(server_process.port, key, "POST", "/api/v1", one)
    assert status == 201, single
    assert single["data"]["entity"] == "/src/shop/cart.py"
    bad_status, bad = _request(server_process.port, key, "POST", "/api/v1", [{"time": noon}])
    assert bad_status == 400 and "entity" in json.dumps(bad)

    status, summaries = _request(server_process.port, key, "GET",
                                 f"/api/v1/users/current/summaries?start={day}&end={day}")
    assert status == 200
    assert summaries["cumulative_total"]["seconds"] == 180
    assert [p["name"] for p in summaries["data"][0]["projects"]] == ["shop"]
