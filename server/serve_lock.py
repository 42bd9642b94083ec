"""One serving process per SQLite file: an exclusive lock on ``<file>.lock`` beside it, taken
before the database is opened and held until the process ends (the system releases it then,
also after SIGKILL). The holder's pid is written in the file for the refusal message."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_WINDOWS_BYTE = 64  # msvcrt locks a byte range: one past the pid, so the pid stays readable


class AlreadyServing(RuntimeError):
    pass


def hold(database: Path) -> None:
    """Take the lock of the SQLite file `database` for the rest of this process (its
    descriptor is left open on purpose), or raise AlreadyServing naming the holder."""
    database = database.resolve()
    path = database.with_name(database.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock(fd)
    except OSError:
        os.lseek(fd, 0, os.SEEK_SET)
        pid = os.read(fd, _WINDOWS_BYTE).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise AlreadyServing(f"another timeforged-server is serving {database} (pid {pid}); "
                             "stop it first") from None
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode())


def _lock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WINDOWS_BYTE, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
