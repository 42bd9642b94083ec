"""`timeforged-server` as real processes: `--config` reaches the serving processes."""

from __future__ import annotations

import urllib.error
import urllib.request

from tests.server.conftest import ServerProcess, admin


def status(url: str, key: str) -> int:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_with_config_uses_the_configured_database(database_url, tmp_path):
    config = tmp_path / "server.toml"
    config.write_text(f'database = "{database_url}"\nlog_level = "WARNING"\n'
                      "jobs_interval_seconds = 0\n")
    admin(None, "create-user", "ann", config=config)
    key = admin(None, "create-key", "ann", config=config).strip()
    # several workers on PostgreSQL: each of them must read the same file
    workers = 1 if database_url.startswith("sqlite") else 2
    server = ServerProcess(database_url, tmp_path / "server.log", workers=workers,
                           config=config).start()
    try:
        statuses = [status(f"{server.url}/api/v1/users/current/statusbar/today", key)
                    for _ in range(10)]
    finally:
        server.stop()
    assert statuses == [200] * 10
