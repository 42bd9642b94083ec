"""The privileged hosts helper, and how the app starts it elevated on each OS.

Run as ``python -m desktop.engine.focus.helper apply --hosts PATH --until EPOCH --domains ...``
(or ``clear``, ``clear-expired``, ``doh-policy on|off``). It edits nothing but TimeForged's
marked section of a hosts file and the browser policy files of `doh`, validates every domain
strictly, and when elevated only touches the system hosts file, or a file the calling user
owns already, with that user's rights (so it grants nothing the caller could not do).
Standard library only.

Exit status: 0 done, 1 refused (the reason on stderr), 2 bad usage, 3 the file could not be
written. On success one JSON line on stdout: ``{"changed": true, "flushed": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from desktop.engine.focus import doh
from desktop.engine.focus.hosts import (
    ConcurrentEditError,
    HostsError,
    HostsFile,
    check_hosts_syntax,
    system_hosts_path,
)

MAX_DOMAINS = 5000
MAX_BLOCK_SECONDS = 31 * 86400
POLICY_ACTION = "org.timeforged.hostshelper"
# Where packages install the wrapper the polkit policy names (packaging/linux/).
LINUX_WRAPPER = Path("/usr/libexec/timeforged/timeforged-hosts-helper")


class Refused(Exception):
    pass


class _Once(argparse.Action):
    """An option that may appear only once (a domain list must not smuggle in a second one)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} given twice")
        setattr(namespace, self.dest, values)


# -- the privileged side -------------------------------------------------------------------


def _caller_uid() -> int | None:
    """The user who asked for this: pkexec and sudo say so; otherwise ourselves."""
    for var in ("PKEXEC_UID", "SUDO_UID"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.getuid() if hasattr(os, "getuid") else None


def _is_elevated() -> bool:
    if sys.platform == "win32":
        import ctypes

        return bool(ctypes.windll.shell32.IsUserAnAdmin())
    return os.geteuid() == 0


def _drop_to_caller(owned: Path) -> None:
    """Work on a file of the caller's with the caller's rights only, so that a symlink the
    caller planted cannot turn our write into one as root elsewhere."""
    uid = _caller_uid()
    if hasattr(os, "seteuid") and os.geteuid() == 0 and uid not in (None, 0):
        os.setegid(owned.stat().st_gid)
        os.seteuid(uid)


def check_target(path: Path, system_path: Path | None = None) -> Path:
    """The real path to edit, or Refused: the system hosts file, or a file (in a folder) the
    calling user owns, or anything at all when we are not elevated."""
    real = Path(os.path.realpath(path))
    if not real.is_file():
        raise Refused(f"{path} is not an existing regular file")
    if real == Path(os.path.realpath(system_path or system_hosts_path())):
        return real
    uid = _caller_uid()
    if uid is not None and hasattr(os, "getuid"):
        if real.stat().st_uid == uid and real.parent.stat().st_uid == uid:
            _drop_to_caller(real)
            return real
    elif not _is_elevated():
        return real
    raise Refused(f"refusing to edit {path}: only the system hosts file "
                  f"({system_path or system_hosts_path()}) or a file of your own")


def _check_root(root: Path) -> Path:
    real = Path(os.path.realpath(root))
    if real == Path("/"):
        return real
    uid = _caller_uid()
    if not real.is_dir() or (uid is not None and real.stat().st_uid != uid):
        raise Refused(f"refusing --root {root}: only / or a folder of your own")
    _drop_to_caller(real)
    return real


def flush_dns() -> list[str]:
    """Flush the OS resolver caches that exist here; returns the commands that succeeded."""
    if sys.platform == "win32":
        candidates = [["ipconfig", "/flushdns"]]
    elif sys.platform == "darwin":
        candidates = [["dscacheutil", "-flushcache"], ["killall", "-HUP", "mDNSResponder"]]
    else:
        candidates = [["resolvectl", "flush-caches"], ["systemd-resolve", "--flush-caches"],
                      ["nscd", "-i", "hosts"]]
    done = []
    for cmd in candidates:
        if shutil.which(cmd[0]) is None:
            continue
        try:
            ok = subprocess.run(cmd, capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            done.append(" ".join(cmd))
            if cmd[0] == "resolvectl":
                break  # systemd-resolve is the same service under its old name
    return done


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="timeforged-hosts-helper",
                                     description="Edit TimeForged's section of the hosts file.")
    sub = parser.add_subparsers(dest="action", required=True)
    apply = sub.add_parser("apply", help="block domains until a time")
    apply.add_argument("--hosts", type=Path, default=None, action=_Once)
    apply.add_argument("--until", type=int, required=True, help="epoch seconds", action=_Once)
    apply.add_argument("--domains", nargs="+", required=True)
    for name in ("clear", "clear-expired"):
        sub.add_parser(name).add_argument("--hosts", type=Path, default=None, action=_Once)
    policy = sub.add_parser("doh-policy", help="turn browsers' DNS-over-HTTPS off or back on")
    policy.add_argument("state", choices=("on", "off"))
    policy.add_argument("--root", type=Path, default=None, action=_Once)
    return parser


def run(argv: Sequence[str]) -> dict:
    """Do what `argv` asks; raises Refused, HostsError or OSError."""
    args = _parser().parse_args(argv)
    if args.action == "doh-policy":
        root = _check_root(args.root or Path("/"))
        changed = doh.write(root) if args.state == "off" else doh.remove(root)
        return {"changed": [str(p) for p in changed]}
    hosts = HostsFile(check_target(args.hosts or system_hosts_path()))
    check_hosts_syntax(hosts.read().decode("utf-8", "surrogateescape"))
    hosts.remove_stale_temps()
    now = time.time()
    if args.action == "apply":
        if len(args.domains) > MAX_DOMAINS:
            raise Refused(f"too many domains ({len(args.domains)} > {MAX_DOMAINS})")
        if not now < args.until <= now + MAX_BLOCK_SECONDS:
            raise Refused("--until must be in the future and at most 31 days away")
        changed = hosts.apply(args.domains, args.until)
    elif args.action == "clear":
        changed = hosts.clear()
    else:
        changed = hosts.clear_expired(now)
    return {"changed": changed, "flushed": flush_dns() if changed else []}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        result = run(sys.argv[1:] if argv is None else argv)
    except (Refused, HostsError, ValueError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, ConcurrentEditError) else 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(json.dumps(result))
    return 0


# -- the unprivileged side: how the app asks for it ----------------------------------------


class HelperFailed(Exception):
    """The helper refused, failed, or the user cancelled the password prompt."""


def helper_command(args: Sequence[str]) -> list[str]:
    """The helper's own command line (no elevation)."""
    if sys.platform.startswith("linux") and LINUX_WRAPPER.exists():
        return [str(LINUX_WRAPPER), *args]
    return [sys.executable, "-I", "-m", "desktop.engine.focus.helper", *args]


def elevated_command(args: Sequence[str], platform: str = sys.platform) -> list[str]:
    """The command that runs the helper with administrator rights on `platform`
    (Windows goes through `run_elevated`'s ShellExecuteW instead)."""
    cmd = helper_command(args)
    if platform == "darwin":
        script = shlex.join(cmd).replace("\\", "\\\\").replace('"', '\\"')
        return ["osascript", "-e",
                f'do shell script "{script}" with administrator privileges']
    return ["pkexec", "--disable-internal-agent", *cmd]


def windows_parameters(args: Sequence[str]) -> tuple[str, str]:
    """(file, parameters) for ShellExecuteW "runas"."""
    cmd = helper_command(args)
    return cmd[0], subprocess.list2cmdline(cmd[1:])


def run_elevated(args: Sequence[str], timeout: float = 300) -> dict:
    """Run the helper elevated (a password prompt, unless we are root already)."""
    if sys.platform == "win32":
        return _run_windows(args, timeout)
    cmd = helper_command(args) if os.geteuid() == 0 else elevated_command(args)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HelperFailed(f"could not run the hosts helper: {exc}") from exc
    if done.returncode != 0:
        reason = done.stderr.strip() or f"exit status {done.returncode}"
        if done.returncode in (126, 127) and cmd[0] == "pkexec":
            reason = "authorization was cancelled or refused"
        raise HelperFailed(reason)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_windows(args: Sequence[str], timeout: float) -> dict:  # pragma: no cover - Windows
    import ctypes
    from ctypes import wintypes

    class ShellExecuteInfo(ctypes.Structure):
        _fields_ = [("cbSize", wintypes.DWORD), ("fMask", ctypes.c_ulong),
                    ("hwnd", wintypes.HWND), ("lpVerb", wintypes.LPCWSTR),
                    ("lpFile", wintypes.LPCWSTR), ("lpParameters", wintypes.LPCWSTR),
                    ("lpDirectory", wintypes.LPCWSTR), ("nShow", ctypes.c_int),
                    ("hInstApp", wintypes.HINSTANCE), ("lpIDList", ctypes.c_void_p),
                    ("lpClass", wintypes.LPCWSTR), ("hkeyClass", wintypes.HKEY),
                    ("dwHotKey", wintypes.DWORD), ("hIcon", wintypes.HANDLE),
                    ("hProcess", wintypes.HANDLE)]

    file, params = windows_parameters(args)
    info = ShellExecuteInfo(cbSize=ctypes.sizeof(ShellExecuteInfo), fMask=0x40,  # NOCLOSEPROCESS
                            lpVerb="runas", lpFile=file, lpParameters=params, nShow=0)
    if not ctypes.windll.shell32.ShellExecuteExW(ctypes.byref(info)):
        raise HelperFailed("the administrator prompt was cancelled")
    ctypes.windll.kernel32.WaitForSingleObject(info.hProcess, int(timeout * 1000))
    code = wintypes.DWORD()
    ctypes.windll.kernel32.GetExitCodeProcess(info.hProcess, ctypes.byref(code))
    ctypes.windll.kernel32.CloseHandle(info.hProcess)
    if code.value != 0:
        raise HelperFailed(f"the hosts helper failed (exit status {code.value})")
    return {"changed": True}


if __name__ == "__main__":
    sys.exit(main())
