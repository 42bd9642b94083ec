"""The active tmux pane behind a terminal whose foreground process is a tmux client.

Only tmux knows which pane a client shows, so it is asked (`tmux display-message` for the
client's tty) in a background thread; the poll reads the last answer and never waits. An
answer is reused for `ttl` seconds, and the stale one keeps serving while a fresh one comes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable

from watchers.processes import ProcInfo

Runner = Callable[[list[str]], tuple[int, str]]


def is_tmux_client(info: ProcInfo) -> bool:
    argv0 = os.path.basename(info.cmdline[0]) if info.cmdline else ""
    return (info.name.startswith("tmux") or argv0 == "tmux") and "server" not in info.name


def client_command(info: ProcInfo, tty: str, tmux: str = "tmux") -> list[str]:
    """The command asking the server `info` talks to for the pane shown on `tty`."""
    socket: list[str] = []
    args = list(info.cmdline[1:])
    for flag in ("-S", "-L"):
        if flag in args and args.index(flag) + 1 < len(args):
            socket = [flag, args[args.index(flag) + 1]]
            break
    return [tmux, *socket, "display-message", "-p", "-c", tty, "#{pane_pid}"]


def _run(command: list[str]) -> tuple[int, str]:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        return 1, ""
    return done.returncode, done.stdout


class TmuxPanes:
    def __init__(self, run: Runner | None = None, ttl: float = 2.0) -> None:
        self._run = run or _run
        self.ttl = ttl
        self._answers: dict[int, tuple[float, int | None]] = {}
        self._pending: set[int] = set()
        self._lock = threading.Lock()

    def active_pane(self, client: ProcInfo) -> int | None:
        """The pid of the shell in the pane `client` shows (None until tmux answered)."""
        now = time.monotonic()
        with self._lock:
            hit = self._answers.get(client.pid)
            if (hit is None or now - hit[0] >= self.ttl) and client.pid not in self._pending:
                tty = _tty(client.pid)
                tmux = shutil.which("tmux") if tty else None
                if tty and tmux:
                    self._pending.add(client.pid)
                    threading.Thread(target=self._ask, daemon=True,
                                     args=(client.pid, client_command(client, tty, tmux))).start()
        return hit[1] if hit else None

    def _ask(self, pid: int, command: list[str]) -> None:
        rc, out = self._run(command)
        text = out.strip()
        pane = int(text) if rc == 0 and text.isdigit() else None
        with self._lock:
            self._pending.discard(pid)
            if len(self._answers) > 64:
                self._answers.clear()
            self._answers[pid] = (time.monotonic(), pane)


def _tty(pid: int) -> str | None:
    try:
        path = os.readlink(f"/proc/{pid}/fd/0")
    except OSError:
        import psutil  # not at the top: ~7 ms of a start, and /proc answers on Linux

        try:
            path = psutil.Process(pid).terminal() or ""
        except (psutil.Error, AttributeError):
            return None
    return path if path.startswith("/dev/") else None


PANES = TmuxPanes()
