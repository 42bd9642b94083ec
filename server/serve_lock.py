"""One serving process per SQLite file: an exclusive lock on ``<file>.lock`` beside it, taken
before the database is opened and held until the process ends (the system releases it then,
also after SIGKILL). The holder's pid is written in the file for the refusal message."""

from __future__ import annotations

import errno
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
    if not _lock(fd):
        os.lseek(fd, 0, os.SEEK_SET)
        pid = os.read(fd, _WINDOWS_BYTE).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise AlreadyServing(f"another timeforged-server is serving {database} (pid {pid}); "
                             "stop it first") from None
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode())


def _lock(fd: int) -> bool:
    """Lock `fd` without waiting: False if another process holds it (any other failure, such
    as a file system without locks, raises)."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WINDOWS_BYTE, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
