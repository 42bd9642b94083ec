"""A throwaway PostgreSQL cluster (initdb + pg_ctl) for tests and benchmarks.

initdb refuses to run as root: there it runs as `nobody` (runuser). The cluster listens on
127.0.0.1 at a free port and on a unix socket in its own directory; `stop()` ends it (and
deletes it, unless `keep`: a benchmark's cached cluster). Tests run without fsync; `durable`
keeps PostgreSQL's defaults (fsync, synchronous commit) for honest benchmark figures.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
            "/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin")


def pg_bin(name: str) -> str | None:
    for folder in BIN_DIRS:
        path = Path(folder) / name
        if path.exists():
            return str(path)
    return shutil.which(name)


def available() -> bool:
    return pg_bin("initdb") is not None and pg_bin("pg_ctl") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, base: Path | None = None, *, durable: bool = False,
                 keep: bool = False) -> None:
        self.dir = Path(base or tempfile.mkdtemp(prefix="tf-pg-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.durable = durable
        self.keep = keep
        self.data = self.dir / "data"
        self.port = _free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "nobody", "--"]
            os.chmod(self.dir, 0o755)
            shutil.chown(self.dir, "nobody", "nogroup" if _group("nogroup") else "nobody")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self._as, *cmd], check=True, capture_output=True, cwd=self.dir)

    def start(self) -> PgCluster:
        if not (self.data / "PG_VERSION").exists():
            self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                      "-E", "UTF8", "--no-sync")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l",
                  str(self.dir / "log"), "-w", "-t", "60", "start")
        return self

    def create_database(self, name: str) -> str:
        import psycopg2

        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run([*self._as, pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast",
                            "-w", "stop"], capture_output=True, cwd=self.dir, check=False)
            time.sleep(0.1)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])


def _group(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True
