"""The privileged helper's command line, run as a real subprocess (without pkexec)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from desktop.engine.focus import doh
from desktop.engine.focus.helper import elevated_command, windows_parameters
from desktop.engine.focus.hosts import BEGIN, END

REPO = Path(__file__).resolve().parents[2]
ORIGINAL = b"127.0.0.1 localhost\r\n# mine\r\n::1  localhost  # keep\r\n"


def helper(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop.engine.focus.helper", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=30,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def hosts(tmp_path) -> Path:
    path = tmp_path / "hosts"
    path.write_bytes(ORIGINAL)
    return path


def test_apply_and_clear(hosts):
    until = str(int(time.time()) + 600)
    done = helper("apply", "--hosts", str(hosts), "--until", until, "--domains", "reddit.com",
                  "x.com")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["changed"] is True
    data = hosts.read_bytes()
    assert data.startswith(ORIGINAL) and b"\r\n:: www.x.com\r\n" in data
    done = helper("clear", "--hosts", str(hosts))
    assert done.returncode == 0, done.stderr
    assert hosts.read_bytes() == ORIGINAL


def test_clear_expired(hosts):
    until = int(time.time()) + 2
    assert helper("apply", "--hosts", str(hosts), "--until", str(until), "--domains",
                  "reddit.com").returncode == 0
    assert json.loads(helper("clear-expired", "--hosts", str(hosts)).stdout)["changed"] is False
    time.sleep(max(0.0, until - time.time()) + 0.1)
    assert json.loads(helper("clear-expired", "--hosts", str(hosts)).stdout)["changed"] is True
    assert hosts.read_bytes() == ORIGINAL


@pytest.mark.parametrize("domain", [
    "reddit.com\n1.2.3.4 bank.example.com",  # a newline smuggling a line in
    "reddit.com 1.2.3.4",
    "reddit.com#",
    "# >>> TimeForged",
    "--hosts={other}",
    "1.2.3.4",
    "reddit.com\r",
])
def test_injection_attempts_are_refused(tmp_path, hosts, domain):
    other = tmp_path / "other-hosts"
    other.write_bytes(ORIGINAL)
    done = helper("apply", "--hosts", str(hosts), "--until", str(int(time.time()) + 60),
                  "--domains", "ok.com", domain.format(other=other))
    assert done.returncode in (1, 2)  # refused, or not even parsed as a domain
    assert "refused" in done.stderr or "error" in done.stderr
    assert hosts.read_bytes() == ORIGINAL
    assert other.read_bytes() == ORIGINAL


@pytest.mark.parametrize("until_offset", [-10, 40 * 86400])
def test_until_must_be_reasonable(hosts, until_offset):
    done = helper("apply", "--hosts", str(hosts), "--until", str(int(time.time()) + until_offset),
                  "--domains", "reddit.com")
    assert done.returncode == 1 and "until" in done.stderr
    assert hosts.read_bytes() == ORIGINAL


def test_lines_outside_the_markers_are_never_touched(hosts):
    """A section holding a user line (someone's edit) is refused rather than rewritten."""
    damaged = ORIGINAL + f"{BEGIN}\r\n# until 1\r\n10.0.0.1 intranet\r\n{END}\r\n".encode()
    hosts.write_bytes(damaged)
    for args in (["clear"], ["clear-expired"],
                 ["apply", "--until", str(int(time.time()) + 60), "--domains", "reddit.com"]):
        done = helper(*args[:1], "--hosts", str(hosts), *args[1:])
        assert done.returncode == 1 and "unexpected line" in done.stderr
        assert hosts.read_bytes() == damaged


def test_files_not_owned_by_the_caller_are_refused(tmp_path, hosts):
    """Elevated by pkexec for uid 65534, the helper may only edit the system hosts file or a
    file that user owns: never another root-owned file such as /etc/passwd."""
    victim = tmp_path / "passwd"
    victim.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    for target in (victim, hosts):
        done = helper("apply", "--hosts", str(target), "--until", str(int(time.time()) + 60),
                      "--domains", "reddit.com", env={"PKEXEC_UID": "65534"})
        assert done.returncode == 1 and "refusing to edit" in done.stderr
    assert victim.read_bytes() == b"root:x:0:0:root:/root:/bin/bash\n"
    assert hosts.read_bytes() == ORIGINAL
    # Even for a caller who owns it (root here), a file that is not a hosts file is refused.
    done = helper("apply", "--hosts", str(victim), "--until", str(int(time.time()) + 60),
                  "--domains", "reddit.com")
    assert done.returncode == 1 and "not a hosts file" in done.stderr
    assert victim.read_bytes() == b"root:x:0:0:root:/root:/bin/bash\n"
    missing = helper("clear", "--hosts", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "not an existing regular file" in missing.stderr


def test_doh_policy_files(tmp_path):
    firefox = tmp_path / doh.FIREFOX_FILE
    firefox.parent.mkdir(parents=True)
    firefox.write_text(json.dumps({"policies": {"DisableTelemetry": True}}))
    done = helper("doh-policy", "off", "--root", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for path in doh.chromium_files(tmp_path):
        assert json.loads(path.read_text()) == {"DnsOverHttpsMode": "off"}
    assert json.loads(firefox.read_text())["policies"] == {
        "DisableTelemetry": True, "DNSOverHTTPS": {"Enabled": False, "Locked": True}}
    assert helper("doh-policy", "on", "--root", str(tmp_path)).returncode == 0
    assert not any(p.exists() for p in doh.chromium_files(tmp_path))
    assert json.loads(firefox.read_text())["policies"] == {"DisableTelemetry": True}
    refused = helper("doh-policy", "off", "--root", str(tmp_path), env={"PKEXEC_UID": "65534"})
    assert refused.returncode == 1 and "refusing --root" in refused.stderr


def test_elevation_commands():
    args = ["apply", "--hosts", "/etc/hosts", "--until", "1", "--domains", "it's.com"]
    linux = elevated_command(args, "linux")
    assert linux[:2] == ["pkexec", "--disable-internal-agent"] and linux[-7:] == args
    mac = elevated_command(args, "darwin")
    assert mac[:2] == ["osascript", "-e"]
    script = mac[2]
    assert script.startswith('do shell script "') and script.endswith(
        '" with administrator privileges')
    inner = script[len('do shell script "'):-len('" with administrator privileges')]
    unescaped = inner.replace('\\"', '"').replace("\\\\", "\\")
    assert shlex.split(unescaped)[-7:] == args  # the shell sees exactly our arguments
    file, params = windows_parameters(["apply", "--domains", "a b.com"])
    assert file == sys.executable and params.endswith('apply --domains "a b.com"')


@pytest.fixture
def open_tmp():
    """A temporary folder other users can reach (pytest's own is private to root)."""
    with tempfile.TemporaryDirectory(prefix="tf-helper-") as name:
        path = Path(name)
        path.chmod(0o755)
        yield path


def test_a_callers_own_file_is_edited_with_the_callers_rights(open_tmp):
    """Elevated for uid 65534, the helper edits that user's own file as that user: a symlink
    the user planted towards a root-owned folder gets nothing written there."""
    if os.geteuid() != 0:
        pytest.skip("needs root to hand files to another user")
    tmp_path = open_tmp
    home = tmp_path / "nobody"
    home.mkdir()
    hosts = home / "hosts"
    hosts.write_bytes(ORIGINAL)
    for path in (home, hosts):
        os.chown(path, 65534, 65534)
    done = helper("apply", "--hosts", str(hosts), "--until", str(int(time.time()) + 60),
                  "--domains", "reddit.com", env={"PKEXEC_UID": "65534"})
    assert done.returncode == 0, done.stderr
    assert hosts.stat().st_uid == 65534 and b"0.0.0.0 reddit.com" in hosts.read_bytes()

    protected = tmp_path / "root-only"
    protected.mkdir(mode=0o755)
    managed = home / "etc" / "opt" / "chrome" / "policies"
    managed.mkdir(parents=True)
    (managed / "managed").symlink_to(protected)
    for path in (home / "etc", home / "etc" / "opt", home / "etc" / "opt" / "chrome", managed):
        os.chown(path, 65534, 65534)
    done = helper("doh-policy", "off", "--root", str(home), env={"PKEXEC_UID": "65534"})
    assert done.returncode == 3 and "Permission denied" in done.stderr
    assert list(protected.iterdir()) == []
