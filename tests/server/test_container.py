"""The deployment files, for real: server/deploy/Dockerfile built with podman on a Debian base
made here, run on SQLite in a volume, then server/deploy/compose.yaml brought up with
podman-compose (server + PostgreSQL), taken down and up again. Images are built once per
content hash (tests/server/podman.py), so reruns only start containers. Without podman the
`container` tests skip and say why; the checks of the files themselves always run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.server.conftest import free_port
from tests.server.podman import HERE, ROOT, SERVER_INPUTS, Podman, Unusable

DEPLOY = ROOT / "server" / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
# What the engine modules the server imports need besides the server extra.
ENGINE_DEPS = {"peewee", "platformdirs", "tomli-w"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_dockerfile_installs_what_the_server_needs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    installed = _names(re.findall(r'"([A-Za-z0-9_.\-]+[^"]*)"', dockerfile))
    needed = _names(project["optional-dependencies"]["server"]) | ENGINE_DEPS
    assert needed <= installed, f"missing from the Dockerfile: {needed - installed}"
    assert _names(project["dependencies"]) >= ENGINE_DEPS
    assert re.search(r"^ARG BASE=python:3\.1\d-slim$", dockerfile, re.M)
    assert "FROM ${BASE}" in dockerfile and "USER timeforged" in dockerfile
    copied = set(re.findall(r"^COPY (\S+)", dockerfile, re.M))
    assert copied <= set(SERVER_INPUTS), "the image cache key misses a copied path"


def test_compose_file_is_consistent():
    spec = yaml.safe_load(COMPOSE.read_text())
    db, server = spec["services"]["db"], spec["services"]["server"]
    env = db["environment"]
    url = server["environment"]["TIMEFORGED_SERVER_DATABASE"]
    assert url == (f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@db:5432/"
                   f"{env['POSTGRES_DB']}")
    assert (COMPOSE.parent / server["build"]["context"]).resolve() == ROOT
    assert (ROOT / server["build"]["dockerfile"]).is_file()
    assert server["depends_on"]["db"]["condition"] == "service_healthy"
    assert f"-U {env['POSTGRES_USER']}" in db["healthcheck"]["test"][1]
    assert "pgdata" in spec["volumes"]
    assert server["ports"] == ["${TIMEFORGED_PORT:-8765}:8765"]
    assert db["image"] == "${POSTGRES_IMAGE:-postgres:16}"


# -- built and run ----------------------------------------------------------------------------


@dataclass
class Images:
    podman: Podman
    server: str
    postgres: str


@pytest.fixture(scope="module")
def images(request) -> Images:
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")

    def log(msg: str) -> None:
        if reporter:
            reporter.write_line(f"\n{msg}")

    engine = Podman()
    started = time.monotonic()
    try:
        engine.setup()
        with engine.locked():
            base = engine.base_image(log)
            server = engine.build(
                "localhost/timeforged-server", DEPLOY / "Dockerfile", ROOT,
                [ROOT / p for p in SERVER_INPUTS], {"BASE": base}, log)
            postgres = engine.build(
                "localhost/timeforged-test-postgres", HERE / "postgres.Containerfile", HERE,
                [HERE / "postgres-entrypoint.sh"], {"BASE": base}, log)
    except Unusable as exc:
        pytest.skip(f"podman cannot work here: {exc}")
    seconds = time.monotonic() - started
    if seconds > 5:
        log(f"container images ready in {seconds:.0f} s")
    return Images(engine, server, postgres)


def request_json(url: str, key: str | None = None, body=None, *, basic: bool = False):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = (f"Basic {base64.b64encode(key.encode()).decode()}"
                                    if basic else f"Bearer {key}")
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=10) as r:
        return r.status, json.loads(r.read())


def wait_healthy(url: str, logs, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, body = request_json(url + "/healthz")
            if status == 200 and body["status"] == "ok":
                return body
        except (OSError, urllib.error.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url}/healthz never answered ok:\n{logs()}")


def yesterday_noon() -> tuple[float, str]:
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(1)
    return noon.timestamp(), noon.date().isoformat()


def send_heartbeats(url: str, key: str) -> tuple[str, float]:
    """Four heartbeats in one bulk request (Bearer) and a single one (WakaTime's Basic):
    five minutes of Python in project `deploy` at noon UTC yesterday."""
    t0, day = yesterday_noon()
    beats = [{"entity": "/src/app.py", "time": t0 + i * 60, "project": "deploy",
              "language": "Python", "type": "file"} for i in range(6)]
    status, body = request_json(url + "/api/v1/users/current/heartbeats.bulk", key, beats[:-1])
    assert status == 201 and [s for _, s in body["responses"]] == [201] * 5
    status, _ = request_json(url + "/api/v1/users/current/heartbeats", key, beats[-1],
                             basic=True)
    assert status == 201
    return day, 300.0


def day_total(url: str, key: str, day: str) -> tuple[float, dict[str, float]]:
    _, body = request_json(f"{url}/api/v1/users/current/summaries?start={day}&end={day}", key)
    data = body["data"][0]
    return (data["grand_total"]["total_seconds"],
            {p["name"]: p["total_seconds"] for p in data["projects"]})


def new_key(run_admin) -> str:
    assert "user ann" in run_admin("create-user", "ann", "--timezone", "Europe/Paris")
    key = run_admin("create-key", "ann", "--label", "container test").strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9a-f-]{36}", key), key
    return key


@pytest.mark.container
@pytest.mark.timeout(1800)
def test_image_serves_sqlite_from_a_volume(images):
    podman = images.podman
    name, volume, port = f"tf-test-{os.getpid()}", f"tf-test-{os.getpid()}-data", free_port()
    url = f"http://127.0.0.1:{port}"

    def logs() -> str:
        done = podman("logs", name, check=False)
        return (done.stdout + done.stderr)[-3000:]

    def run_admin(*args: str) -> str:
        return podman("exec", name, "timeforged-server", "admin", *args).stdout

    podman("rm", "-f", "-v", name, check=False)
    podman("volume", "rm", "-f", volume, check=False)
    try:
        podman("run", "-d", "--name", name, "-v", f"{volume}:/data",
               "-p", f"127.0.0.1:{port}:8765", images.server)
        assert wait_healthy(url, logs) == {"status": "ok", "database": "sqlite"}
        assert podman("exec", name, "id", "-un").stdout.strip() == "timeforged"
        # Every server module imports in the image (the lazily imported ones too).
        modules = sorted(p.stem for p in (ROOT / "server").glob("*.py") if p.stem != "__main__")
        podman("exec", name, "python", "-c",
               "import importlib, zoneinfo; zoneinfo.ZoneInfo('Europe/Paris'); "
               + "; ".join(f"importlib.import_module('server.{m}')" for m in modules))
        podman("healthcheck", "run", name)  # the image's HEALTHCHECK command
        key = new_key(run_admin)
        day, seconds = send_heartbeats(url, key)
        assert day_total(url, key, day) == (seconds, {"deploy": seconds})
        assert "timeforged-server.sqlite3" in podman("exec", name, "ls", "/data").stdout

        podman("restart", name, timeout=60)
        wait_healthy(url, logs)
        assert day_total(url, key, day) == (seconds, {"deploy": seconds})
        # A new container on the same volume: the data lives in the volume, not the container.
        podman("rm", "-f", name)
        podman("run", "-d", "--name", name, "-v", f"{volume}:/data",
               "-p", f"127.0.0.1:{port}:8765", images.server)
        wait_healthy(url, logs)
        assert day_total(url, key, day) == (seconds, {"deploy": seconds})
        assert "\tann\t" in run_admin("list-users")
    finally:
        podman("rm", "-f", "-v", name, check=False)
        podman("volume", "rm", "-f", volume, check=False)


@pytest.mark.container
@pytest.mark.timeout(1800)
def test_compose_runs_server_and_postgresql(images):
    podman = images.podman
    compose = shutil.which("podman-compose", path=Path(sys.executable).parent) or \
        shutil.which("podman-compose")
    if compose is None:
        pytest.skip("podman-compose is not installed (pip install -e '.[test]')")
    project, port = f"tftest{os.getpid()}", free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**podman.env, "POSTGRES_IMAGE": images.postgres, "TIMEFORGED_IMAGE": images.server,
           "TIMEFORGED_PORT": str(port)}

    def up_down(*args: str, timeout: float = 180) -> str:
        done = subprocess.run([compose, "-f", str(COMPOSE), "-p", project, *args], env=env,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"podman-compose {args}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def logs() -> str:
        done = [podman("logs", f"{project}_{s}_1", check=False) for s in ("db", "server")]
        return "\n".join((d.stdout + d.stderr)[-2000:] for d in done)

    def run_admin(*args: str) -> str:
        return up_down("exec", "-T", "server", "timeforged-server", "admin", *args)

    volumes = {f"{project}_pgdata"}

    def note_volumes() -> None:
        """The project's volumes, anonymous ones too (the image's /data): podman-compose's
        `down -v` leaves those."""
        ids = podman("ps", "-a", "-q", "--filter", f"label=io.podman.compose.project={project}"
                     ).stdout.split()
        if ids:
            volumes.update(podman("inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}",
                                  *ids).stdout.split())

    try:
        up_down("up", "-d")
        assert wait_healthy(url, logs) == {"status": "ok", "database": "postgresql"}
        key = new_key(run_admin)
        day, seconds = send_heartbeats(url, key)
        assert day_total(url, key, day) == (seconds, {"deploy": seconds})
        # compose's healthcheck of db and the image's own; podman runs them on request here
        # (without systemd it has no timers to run them itself).
        for service in ("db", "server"):
            podman("healthcheck", "run", f"{project}_{service}_1")

        note_volumes()
        up_down("down")  # the containers go, the pgdata volume stays
        assert podman("ps", "-a", "--filter", f"name={project}_", "-q").stdout.strip() == ""
        up_down("up", "-d")
        wait_healthy(url, logs)
        assert day_total(url, key, day) == (seconds, {"deploy": seconds})
    finally:
        note_volumes()
        subprocess.run([compose, "-f", str(COMPOSE), "-p", project, "down", "-v"], env=env,
                       capture_output=True, timeout=180)
        podman("volume", "rm", "-f", *volumes, check=False)
