"""How the tmux server behind a client is addressed (the real thing runs in
tests/test_inference_x11.py)."""

from __future__ import annotations

from watchers.processes import ProcInfo
from watchers.tmux import client_command, is_tmux_client


def _proc(name: str, *cmdline: str) -> ProcInfo:
    return ProcInfo(1, name, "/usr/bin/tmux", cmdline, "/")


def test_client_command_keeps_the_clients_socket() -> None:
    assert client_command(_proc("tmux: client", "tmux", "-L", "work", "attach"), "/dev/pts/3") == [
        "tmux", "-L", "work", "display-message", "-p", "-c", "/dev/pts/3", "#{pane_pid}"]
    custom = client_command(_proc("tmux: client", "tmux", "-S", "/tmp/s", "a"), "/dev/pts/1")
    assert custom[1:3] == ["-S", "/tmp/s"]
    assert client_command(_proc("tmux", "tmux"), "/dev/pts/1")[1] == "display-message"


def test_only_clients_count() -> None:
    assert is_tmux_client(_proc("tmux: client", "tmux", "new"))
    assert not is_tmux_client(_proc("tmux: server", "tmux", "new"))
    assert not is_tmux_client(_proc("vim", "vim", "tmux"))
