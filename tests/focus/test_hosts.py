"""The hosts-file editor on real temporary files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desktop.engine.focus.hosts import (
    BEGIN,
    END,
    TEMP_PREFIX,
    ConcurrentEditError,
    HostsError,
    HostsFile,
    expand,
    validate_domain,
)

REPO = Path(__file__).resolve().parents[2]

# A Windows-style hosts file: CRLF, tabs, odd spacing, comments, non-ASCII, no final newline.
WINDOWS_HOSTS = (
    b"# Copyright (c) 1993-2009 Microsoft Corp.\r\n"
    b"#\r\n"
    b"# This is a sample HOSTS file used by Microsoft TCP/IP for Windows.\r\n"
    b"#\r\n"
    b"#      102.54.94.97     rhino.acme.com          # source server\r\n"
    b"#       38.25.63.10     x.acme.com              # x client host\r\n"
    b"\r\n"
    b"  127.0.0.1\t\tlocalhost   \r\n"
    b"\t::1             localhost\r\n"
    b"192.168.1.20 nas.local   # caf\xc3\xa9 \xff raw byte\r\n"
    b"\r\n"
    b"\r\n"
    b"10.0.0.5    build-server"
)

LINUX_HOSTS = (
    b"127.0.0.1\tlocalhost\n"
    b"127.0.1.1\tdevbox.example.org\tdevbox\n"
    b"\n"
    b"# The following lines are desirable for IPv6 capable hosts\n"
    b"::1     localhost ip6-localhost ip6-loopback\n"
    b"ff02::1 ip6-allnodes\n"
    b"ff02::2 ip6-allrouters\n"
)


def make(tmp_path: Path, content: bytes, mode: int = 0o644) -> Path:
    path = tmp_path / "hosts"
    path.write_bytes(content)
    path.chmod(mode)
    return path


@pytest.mark.parametrize("content", [WINDOWS_HOSTS, LINUX_HOSTS, b""],
                         ids=["windows-crlf", "linux", "empty"])
def test_add_and_remove_keeps_user_lines_byte_for_byte(tmp_path, content):
    path = make(tmp_path, content)
    hosts = HostsFile(path)
    until = int(time.time()) + 3000
    assert hosts.apply(["reddit.com", "www.youtube.com"], until)
    data = path.read_bytes()
    assert data.startswith(content)
    text = data.decode("utf-8", "surrogateescape")
    for name in ("reddit.com", "www.reddit.com", "youtube.com", "www.youtube.com"):
        assert f"0.0.0.0 {name}" in text and f":: {name}" in text
    if b"\r\n" in content:  # the section follows the file's own line endings
        section = text[text.index(BEGIN):]
        assert section.count("\r\n") == section.count("\n")
    block = hosts.block()
    assert block.until == until
    assert set(block.domains) == {"reddit.com", "www.reddit.com", "youtube.com",
                                  "www.youtube.com"}
    assert not hosts.apply(["reddit.com", "youtube.com"], until)  # already so: no write
    assert hosts.apply(["news.ycombinator.com"], until + 60)  # replaced in place
    assert "reddit" not in path.read_text(errors="replace")
    assert hosts.clear()
    assert path.read_bytes() == content
    assert not hosts.clear()


def test_user_lines_after_our_section_survive(tmp_path):
    path = make(tmp_path, LINUX_HOSTS)
    hosts = HostsFile(path)
    hosts.apply(["reddit.com"], int(time.time()) + 60)
    with path.open("ab") as f:
        f.write(b"10.1.1.1 added-later\n")
    hosts.apply(["reddit.com", "x.com"], int(time.time()) + 120)
    hosts.clear()
    assert path.read_bytes() == LINUX_HOSTS + b"10.1.1.1 added-later\n"


def test_mode_and_owner_are_kept(tmp_path):
    path = make(tmp_path, LINUX_HOSTS, mode=0o640)
    before = path.stat()
    HostsFile(path).apply(["reddit.com"], int(time.time()) + 60)
    after = path.stat()
    assert after.st_ino != before.st_ino  # really replaced, not rewritten in place
    assert (after.st_mode, after.st_uid, after.st_gid) == (before.st_mode, before.st_uid,
                                                           before.st_gid)


def test_symlinked_hosts_file_is_edited_at_its_target(tmp_path):
    target = make(tmp_path, LINUX_HOSTS)
    link = tmp_path / "etc-hosts"
    link.symlink_to(target)
    HostsFile(link).apply(["reddit.com"], int(time.time()) + 60)
    assert link.is_symlink()
    assert b"0.0.0.0 reddit.com" in target.read_bytes()


def test_expired_block_is_cleaned_on_start(tmp_path):
    path = make(tmp_path, WINDOWS_HOSTS)
    hosts = HostsFile(path)
    now = time.time()
    hosts.apply(["reddit.com"], int(now) + 100)
    assert not HostsFile(path).clear_expired(now + 50)  # still running: kept
    assert b"reddit.com" in path.read_bytes()
    assert HostsFile(path).clear_expired(now + 100)  # a fresh start after the end time
    assert path.read_bytes() == WINDOWS_HOSTS


def test_block_edited_away_is_detected(tmp_path):
    path = make(tmp_path, LINUX_HOSTS)
    hosts = HostsFile(path)
    until = int(time.time()) + 600
    hosts.apply(["reddit.com"], until)
    assert not hosts.needs_reapply(["reddit.com"], until)
    text = path.read_text()
    path.write_text(text.replace("0.0.0.0 reddit.com\n", ""))  # a partial edit: refused later
    assert hosts.needs_reapply(["reddit.com"], until)
    hosts.apply(["reddit.com"], until)
    assert not hosts.needs_reapply(["reddit.com"], until)
    path.write_text(text[: text.index(BEGIN)])  # section deleted altogether
    assert hosts.needs_reapply(["reddit.com"], until)


def test_concurrent_edit_is_detected_and_merged(tmp_path):
    path = make(tmp_path, LINUX_HOSTS)
    edits = []

    def someone_else_edits(_tmp: Path) -> None:
        if not edits:
            edits.append(1)
            with path.open("ab") as f:
                f.write(b"10.9.9.9 vpn-host\n")

    refusing = HostsFile(path, retries=0, before_replace=someone_else_edits)
    with pytest.raises(ConcurrentEditError):
        refusing.apply(["reddit.com"], int(time.time()) + 60)
    assert path.read_bytes() == LINUX_HOSTS + b"10.9.9.9 vpn-host\n"
    assert not list(tmp_path.glob(TEMP_PREFIX + "*"))  # the temporary file is gone

    edits.clear()
    merging = HostsFile(path, retries=2, before_replace=someone_else_edits)
    assert merging.apply(["reddit.com"], int(time.time()) + 60)
    data = path.read_bytes()
    assert data.count(b"10.9.9.9 vpn-host\n") == 2 and b"0.0.0.0 reddit.com" in data
    merging.clear()
    assert path.read_bytes() == LINUX_HOSTS + b"10.9.9.9 vpn-host\n" * 2


CRASH_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from desktop.engine.focus.hosts import HostsFile

    def pause(tmp):
        print(tmp, flush=True)
        sys.stdin.readline()  # the test kills us here, between write and rename

    HostsFile(Path(sys.argv[1]), before_replace=pause).apply(["reddit.com"], 4102444800)
""")


def test_crash_between_write_and_rename_leaves_a_valid_file(tmp_path):
    path = make(tmp_path, WINDOWS_HOSTS)
    proc = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, str(path)], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    tmp = Path(proc.stdout.readline().strip())
    assert tmp.parent == path.parent and tmp.name.startswith(TEMP_PREFIX)
    assert b"0.0.0.0 reddit.com" in tmp.read_bytes()  # fully written and synced
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    assert path.read_bytes() == WINDOWS_HOSTS  # the original, whole
    hosts = HostsFile(path)
    assert hosts.block() is None
    assert hosts.remove_stale_temps() == [tmp]
    assert not tmp.exists()
    proc.stdin.close()
    proc.stdout.close()


def test_damaged_section_is_refused_not_guessed(tmp_path):
    path = make(tmp_path, LINUX_HOSTS + f"{BEGIN}\n# until 99\n1.2.3.4 bank.com\n{END}\n".encode())
    with pytest.raises(HostsError, match="unexpected line"):
        HostsFile(path).block()
    path.write_bytes(LINUX_HOSTS + f"{BEGIN}\n{BEGIN}\n{END}\n".encode())
    with pytest.raises(HostsError, match="damaged"):
        HostsFile(path).apply(["reddit.com"], 99)


@pytest.mark.parametrize("bad", [
    "reddit", "reddit.com\n127.0.0.1 bank.com", "reddit.com # x", "red dit.com", "#.com",
    "-bad.com", "bad-.com", "1.2.3.4", "*.reddit.com", "réddit.com", "a..com", "",
    "localhost", "x" * 64 + ".com", "reddit.com\r", "0.0.0.0 reddit.com",
])
def test_bad_domains_are_refused(bad):
    with pytest.raises(HostsError):
        validate_domain(bad)


def test_twins():
    assert expand(["WWW.Reddit.com.", "reddit.com", "xn--bcher-kva.example"]) == [
        "reddit.com", "www.reddit.com", "xn--bcher-kva.example", "www.xn--bcher-kva.example"]
