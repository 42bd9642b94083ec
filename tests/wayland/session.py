"""Real headless Wayland compositors for tests, run as a normal user.

Compositors refuse root (Sway) or want a user session, so as root this creates the user
USER once (``useradd -m``) and runs everything as it through ``runuser -u USER -- env -i``;
as any other user it runs as that user. Each session gets a fresh 0700 XDG_RUNTIME_DIR and
its own session bus. The user runs the system python3 with PYTHONPATH on a copy of this
checkout's packages and on the test venv's site-packages (a copy without Qt under /tmp when
the user cannot read it, as with a venv under a 0700 /root): the interpreter must be the
same minor version as the venv's. Everything is started by pid and stopped by that pid.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import pwd
import shutil
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

USER = "tfwayland"
ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"
PACKAGES = ("watchers", "desktop")
# Not needed inside the session, and most of the venv's size.
SITE_SKIP = ("PySide6", "shiboken6", "pip", "__pycache__")


class CannotStart(RuntimeError):
    """The session (user, bus, compositor) cannot run here; the message says why."""


def stop(*procs: subprocess.Popen) -> None:
    """SIGTERM to each at once, then SIGKILL to those not gone within 5 s of it (together:
    a session's processes cost one wait, not one each)."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 5
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_for(what: str, check, timeout: float = 20.0, proc: subprocess.Popen | None = None):
    """Poll `check()` until it returns something truthy; CannotStart on timeout or exit."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise CannotStart(f"{what}: the process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise CannotStart(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.05)


def ensure_user() -> pwd.struct_passwd:
    """USER (created once) when we are root, else ourselves."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pass
    if shutil.which("useradd") is None:
        raise CannotStart("useradd is missing")
    subprocess.run(["useradd", "-m", "-s", "/bin/sh", USER], check=True, capture_output=True)
    return pwd.getpwnam(USER)


def _readable_by(path: str, user: pwd.struct_passwd) -> bool:
    if os.geteuid() != 0:
        return os.access(path, os.R_OK | os.X_OK)
    done = subprocess.run(["runuser", "-u", user.pw_name, "--", "test", "-r", path, "-a",
                           "-x", path], capture_output=True)
    return done.returncode == 0


def _python_path(user: pwd.struct_passwd) -> tuple[str, Path]:
    """A copy of this checkout's packages, and the venv's site-packages (or a copy), which
    the user can read."""
    code = Path(tempfile.mkdtemp(prefix="tf-wayland-code-"))
    for package in PACKAGES:
        shutil.copytree(ROOT / package, code / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    code.chmod(0o755)
    paths = [str(code)]
    for packages in site.getsitepackages():
        if _readable_by(packages, user):
            paths.append(packages)
            continue
        key = hashlib.sha1(f"{packages}:{os.stat(packages).st_mtime}".encode()).hexdigest()[:10]
        copy = Path(tempfile.gettempdir()) / f"tf-wayland-site-{key}"
        if not copy.exists():
            partial = Path(tempfile.mkdtemp(prefix="tf-wayland-site-"))
            shutil.copytree(packages, partial / "site", ignore=shutil.ignore_patterns(*SITE_SKIP))
            partial.chmod(0o755)
            (partial / "site").rename(copy)
            partial.rmdir()
        paths.append(str(copy))
    return os.pathsep.join(paths), code


@dataclass
class UserSession:
    """A user's runtime dir and session bus; `run`/`popen` start commands as that user."""

    user: pwd.struct_passwd
    runtime: str
    python_path: str
    code_dir: Path
    bus_pid: int | None = None
    daemon_pids: list[int] = field(default_factory=list)  # more dbus-daemons (--fork)
    env: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen] = field(default_factory=list)

    def command(self, args: Sequence[str], extra: Mapping[str, str] | None = None) -> list[str]:
        env = {**self.env, **(extra or {})}
        prefix = ["runuser", "-u", self.user.pw_name, "--"] if os.geteuid() == 0 else []
        return [*prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items()), *args]

    def run(self, *args: str, extra: Mapping[str, str] | None = None, timeout: float = 30,
            check: bool = True, cwd: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(args, extra), capture_output=True, text=True,
                              timeout=timeout, check=check, cwd=cwd or self.user.pw_dir)

    def popen(self, *args: str, extra: Mapping[str, str] | None = None, cwd: str | None = None,
              **kwargs) -> subprocess.Popen:
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        proc = subprocess.Popen(self.command(args, extra), cwd=cwd or self.user.pw_dir,
                                start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def python(self, *args: str, extra: Mapping[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess:
        return self.run(SYSTEM_PYTHON, *args, extra=extra, timeout=timeout)

    def give(self, path: Path) -> Path:
        """Make `path` (a tree we made) the user's, so its git and editors accept it."""
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", f"{self.user.pw_uid}:{self.user.pw_gid}", str(path)],
                           check=True)
        return path

    def close(self) -> None:
        stop(*reversed(self.procs))
        self.procs.clear()
        for pid in (*self.daemon_pids, *([self.bus_pid] if self.bus_pid else [])):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 15)
        self.bus_pid, self.daemon_pids = None, []
        shutil.rmtree(self.runtime, ignore_errors=True)
        shutil.rmtree(self.code_dir, ignore_errors=True)


def start_user_session() -> UserSession:
    """A fresh runtime dir and session bus for the test user; CannotStart saying why not."""
    if sys.platform != "linux":
        raise CannotStart("Wayland compositors run on Linux only")
    for tool in ("dbus-daemon", *(("runuser",) if os.geteuid() == 0 else ())):
        if shutil.which(tool) is None:
            raise CannotStart(f"{tool} is missing: run scripts/setup.sh --test")
    if not os.path.exists(SYSTEM_PYTHON):
        raise CannotStart(f"{SYSTEM_PYTHON} is missing")
    venv_minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    system_minor = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True, text=True).stdout.strip()
    if system_minor != venv_minor:
        raise CannotStart(f"{SYSTEM_PYTHON} is {system_minor}, the venv {venv_minor}: the "
                          "venv's compiled packages would not load")
    user = ensure_user()
    runtime = tempfile.mkdtemp(prefix="tf-wl-run-", dir="/tmp")
    os.chmod(runtime, 0o700)
    if os.geteuid() == 0:
        os.chown(runtime, user.pw_uid, user.pw_gid)
    python_path, code_dir = _python_path(user)
    session = UserSession(user, runtime, python_path, code_dir)
    session.env = {"HOME": user.pw_dir, "USER": user.pw_name, "LOGNAME": user.pw_name,
                   "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "XDG_RUNTIME_DIR": runtime,
                   "DBUS_SESSION_BUS_ADDRESS": f"unix:path={runtime}/bus",
                   "PYTHONPATH": python_path, "PYTHONDONTWRITEBYTECODE": "1",
                   "TIMEFORGED_HOME": os.path.join(runtime, "tf-home")}
    done = session.run("dbus-daemon", "--session", f"--address=unix:path={runtime}/bus",
                       "--fork", "--print-pid", check=False)
    if done.returncode != 0:
        session.close()
        raise CannotStart(f"the session bus did not start: {done.stderr.strip()}")
    session.bus_pid = int(done.stdout.split()[0])
    return session


@dataclass
class Compositor:
    """A running compositor in a UserSession: `env` is what its clients need."""

    name: str
    version: str
    session: UserSession
    proc: subprocess.Popen
    env: dict[str, str]

    def run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        extra = {**self.env, **kwargs.pop("extra", {})}
        return self.session.run(*args, extra=extra, **kwargs)

    def popen(self, *args: str, **kwargs) -> subprocess.Popen:
        extra = {**self.env, **kwargs.pop("extra", {})}
        return self.session.popen(*args, extra=extra, **kwargs)

    def python_json(self, code: str, extra: Mapping[str, str] | None = None) -> object:
        """Run `code` with the session's python inside the compositor; its last stdout line
        parsed as JSON."""
        done = self.run(SYSTEM_PYTHON, "-c", code, extra=dict(extra or {}), timeout=60)
        return json.loads(done.stdout.strip().splitlines()[-1])


def start_sway(session: UserSession) -> Compositor:
    """Sway headless (pixman, no input devices); CannotStart saying why not."""
    if shutil.which("sway") is None:
        raise CannotStart("sway is not installed: run scripts/setup.sh --test")
    version = subprocess.run(["sway", "--version"], capture_output=True,
                             text=True).stdout.strip().removeprefix("sway version ")
    log = open(os.path.join(session.runtime, "sway.log"), "w")  # noqa: SIM115 (closed by proc)
    proc = session.popen("sway", "-c", "/dev/null", stderr=log, extra={
        "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman",
        "XDG_CURRENT_DESKTOP": "sway", "XDG_SESSION_TYPE": "wayland"})
    log.close()
    runtime = session.runtime
    try:
        sock = wait_for("sway's IPC socket",
                        lambda: glob.glob(os.path.join(runtime, "sway-ipc.*.sock")), proc=proc)
        display = wait_for("sway's Wayland socket", lambda: [
            p for p in glob.glob(os.path.join(runtime, "wayland-*")) if not p.endswith(".lock")],
            proc=proc)
    except CannotStart as exc:
        stop(proc)
        tail = Path(runtime, "sway.log").read_text(errors="replace")[-400:]
        raise CannotStart(f"{exc}; sway said: {tail}") from None
    env = {"WAYLAND_DISPLAY": os.path.basename(display[0]), "SWAYSOCK": sock[0],
           "XDG_CURRENT_DESKTOP": "sway", "XDG_SESSION_TYPE": "wayland"}
    return Compositor("sway", version, session, proc, env)


def _wayland_socket(session: UserSession, what: str, proc: subprocess.Popen, log: str) -> str:
    """The name of the first wayland-N socket in the session's runtime dir; stops `proc` and
    raises CannotStart with the end of its log when none comes."""
    try:
        found = wait_for(f"{what}'s Wayland socket", lambda: [
            p for p in glob.glob(os.path.join(session.runtime, "wayland-*"))
            if not p.endswith(".lock")], proc=proc)
    except CannotStart as exc:
        stop(proc)
        tail = Path(session.runtime, log).read_text(errors="replace")[-400:]
        raise CannotStart(f"{exc}; {what} said: {tail}") from None
    return os.path.basename(found[0])


def _version(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    return (done.stdout or done.stderr).strip().splitlines()[0].split()[-1]


def start_cage(session: UserSession) -> Compositor:
    """Cage, the wlroots kiosk, headless (pixman) with one foot window (app id ``tf-kiosk``)
    running `cat`. Cage sets no XDG_CURRENT_DESKTOP, so neither does this."""
    for tool in ("cage", "foot"):
        if shutil.which(tool) is None:
            raise CannotStart(f"{tool} is not installed: run scripts/setup.sh --test")
    log = open(os.path.join(session.runtime, "cage.log"), "w")  # noqa: SIM115 (closed below)
    proc = session.popen("cage", "--", "foot", "--app-id=tf-kiosk", "--title=kiosk", "cat",
                         stderr=log, extra={"WLR_BACKENDS": "headless",
                                            "WLR_LIBINPUT_NO_DEVICES": "1",
                                            "WLR_RENDERER": "pixman",
                                            "XDG_SESSION_TYPE": "wayland"})
    log.close()
    display = _wayland_socket(session, "cage", proc, "cage.log")
    return Compositor("cage", _version("cage", "-v"), session, proc,
                      {"WAYLAND_DISPLAY": display, "XDG_SESSION_TYPE": "wayland"})


def start_wayfire(session: UserSession) -> Compositor:
    """Wayfire headless with an empty configuration. It renders with GLES only and refuses to
    start without a DRM render node ("Failed to get DRM file descriptor!"), as on a machine
    without /dev/dri."""
    if shutil.which("wayfire") is None:
        raise CannotStart("wayfire is not installed: run scripts/setup.sh --test")
    if not glob.glob("/dev/dri/renderD*"):
        raise CannotStart("Wayfire needs a DRM render node (it renders with GLES only) and "
                          "this machine has no /dev/dri")
    config = Path(session.runtime, "wayfire.ini")
    config.write_text("[core]\nplugins = \n")
    config.chmod(0o644)
    log = open(os.path.join(session.runtime, "wayfire.log"), "w")  # noqa: SIM115 (closed below)
    proc = session.popen("wayfire", "-c", str(config), stderr=log, stdout=log, extra={
        "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1",
        "XDG_CURRENT_DESKTOP": "wayfire", "XDG_SESSION_TYPE": "wayland"})
    log.close()
    display = _wayland_socket(session, "wayfire", proc, "wayfire.log")
    return Compositor("wayfire", _version("wayfire", "--version"), session, proc,
                      {"WAYLAND_DISPLAY": display, "XDG_CURRENT_DESKTOP": "wayfire",
                       "XDG_SESSION_TYPE": "wayland"})


class Probe:
    """tests/wayland/probe.py running inside a compositor: one watcher kept across asks."""

    def __init__(self, compositor: Compositor, extra: Mapping[str, str] | None = None) -> None:
        source = Path(__file__).with_name("probe.py").read_text()
        self.proc = compositor.popen(SYSTEM_PYTHON, "-c", source, extra=dict(extra or {}),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        if not first:
            raise RuntimeError(f"the probe failed: {self.proc.stderr.read()[-2000:]}")
        self.pid, self.window_name, self.idle_name, self.warnings = json.loads(first)

    def ask(self, what: str) -> list:
        self.proc.stdin.write(what + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the probe failed: {self.proc.stderr.read()[-2000:]}")
        return json.loads(line)

    def wait(self, what: str, done, timeout: float = 60.0) -> list:
        """Ask until `done(answer)`; the last answer either way (the test asserts on it)."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.ask(what)
            if done(answer) or time.monotonic() > deadline:
                return answer
            time.sleep(0.1)

    def close(self) -> None:
        """End its input: it closes its watchers and exits."""
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop(self.proc)


def bus_name_answers(session: UserSession, name: str, path: str = "/") -> bool:
    done = session.run("gdbus", "call", "--session", "--dest", name, "--object-path", path,
                       "--method", "org.freedesktop.DBus.Peer.Ping", check=False, timeout=10)
    return done.returncode == 0


def start_kwin(session: UserSession) -> Compositor:
    """KWin headless (--virtual, QPainter) with its screen locker integration, as in Plasma
    (it owns org.freedesktop.ScreenSaver; automatic locking is turned off in the user's
    kscreenlockerrc). Debian's kwin_wayland carries the file capability cap_sys_resource,
    which a container without it refuses to exec ("Operation not permitted"): a copy (cp
    drops file capabilities) runs."""
    installed = shutil.which("kwin_wayland")
    if installed is None:
        raise CannotStart("kwin_wayland is not installed: run scripts/setup.sh --test")
    if shutil.which("gdbus") is None:
        raise CannotStart("gdbus is missing (libglib2.0-bin)")
    folder = Path(tempfile.mkdtemp(prefix="tf-wayland-kwin-"))
    folder.chmod(0o755)
    binary = folder / "kwin_wayland"
    shutil.copy(installed, binary)  # without its file capability
    binary.chmod(0o755)
    version = subprocess.run([str(binary), "--version"], capture_output=True,
                             text=True).stdout.strip().removeprefix("kwin ")
    session.run("sh", "-c", 'mkdir -p "$HOME/.config" && printf "[Daemon]\\nAutolock=false\\n" '
                '> "$HOME/.config/kscreenlockerrc"')
    log = open(os.path.join(session.runtime, "kwin.log"), "w")  # noqa: SIM115 (closed below)
    proc = session.popen(str(binary), "--virtual", "--socket", "wl-kde",
                         "--no-global-shortcuts", "--width", "1280", "--height", "800",
                         stderr=log, extra={"KWIN_COMPOSE": "Q", "XDG_SESSION_TYPE": "wayland",
                                            "XDG_CURRENT_DESKTOP": "KDE",
                                            "QT_QPA_PLATFORM": "wayland"})
    log.close()
    try:
        wait_for("KWin's Wayland socket",
                 lambda: os.path.exists(os.path.join(session.runtime, "wl-kde")), proc=proc)
        wait_for("KWin on the session bus",
                 lambda: bus_name_answers(session, "org.kde.KWin", "/Scripting"), proc=proc)
    except CannotStart as exc:
        stop(proc)
        tail = Path(session.runtime, "kwin.log").read_text(errors="replace")[-400:]
        raise CannotStart(f"{exc}; kwin said: {tail}") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    env = {"WAYLAND_DISPLAY": "wl-kde", "XDG_CURRENT_DESKTOP": "KDE",
           "XDG_SESSION_TYPE": "wayland", "GDK_BACKEND": "wayland"}
    return Compositor("kwin", version, session, proc, env)


def start_weston(session: UserSession) -> Compositor:
    """weston headless: no seat to read focus from, no idle protocol."""
    if shutil.which("weston") is None:
        raise CannotStart("weston is not installed: run scripts/setup.sh --test")
    version = subprocess.run(["weston", "--version"], capture_output=True,
                             text=True).stdout.strip().removeprefix("weston ")
    proc = session.popen("weston", "--backend=headless-backend.so", "--socket=wl-weston",
                         "--idle-time=0", extra={"XDG_SESSION_TYPE": "wayland"})
    try:
        wait_for("weston's Wayland socket",
                 lambda: os.path.exists(os.path.join(session.runtime, "wl-weston")), proc=proc)
    except CannotStart:
        stop(proc)
        raise
    env = {"WAYLAND_DISPLAY": "wl-weston", "XDG_SESSION_TYPE": "wayland",
           "XDG_CURRENT_DESKTOP": "weston"}
    return Compositor("weston", version, session, proc, env)


def start_gnome_shell(session: UserSession) -> Compositor:
    """GNOME Shell headless with TimeForged's extension installed by `timeforged
    setup-wayland` and enabled before the start. The shell wants a system bus (else it dies in
    LoginManagerSystemd): a second dbus-daemon stands in. It starts in the overview, where
    nothing has focus: OverviewActive is set to false."""
    if shutil.which("gnome-shell") is None:
        raise CannotStart("gnome-shell is not installed: run scripts/setup.sh --test")
    version = subprocess.run(["gnome-shell", "--version"], capture_output=True,
                             text=True).stdout.strip().removeprefix("GNOME Shell ")
    system_bus = f"unix:path={session.runtime}/system_bus"
    if not os.path.exists(f"{session.runtime}/system_bus"):  # else a restart in the session
        done = session.run("dbus-daemon", "--config-file=/usr/share/dbus-1/session.conf",
                           f"--address={system_bus}", "--fork", "--print-pid", check=False)
        if done.returncode != 0:
            raise CannotStart(f"the stand-in system bus did not start: {done.stderr.strip()}")
        session.daemon_pids.append(int(done.stdout.split()[0]))
    # left by a shell stopped within a minute of its start; it would disable the extensions
    Path(session.runtime, "gnome-shell-disable-extensions").unlink(missing_ok=True)
    env = {"XDG_CURRENT_DESKTOP": "GNOME", "XDG_SESSION_TYPE": "wayland",
           "DBUS_SYSTEM_BUS_ADDRESS": system_bus}
    setup = session.run(SYSTEM_PYTHON, "-m", "desktop.cli", "setup-wayland", extra=env,
                        check=False, timeout=60)
    if setup.returncode != 0:
        raise CannotStart(f"timeforged setup-wayland failed: {setup.stderr.strip()[-400:]}")
    log = open(os.path.join(session.runtime, "gnome-shell.log"), "w")  # noqa: SIM115
    proc = session.popen("gnome-shell", "--headless", "--wayland", "--no-x11",
                         "--wayland-display=wl-gnome", "--virtual-monitor", "1280x800",
                         stderr=log, stdout=log, extra=env)
    log.close()
    try:
        wait_for("GNOME Shell's Wayland socket",
                 lambda: os.path.exists(os.path.join(session.runtime, "wl-gnome")), proc=proc,
                 timeout=60)
        wait_for("GNOME Shell on the session bus",
                 lambda: bus_name_answers(session, "org.gnome.Shell", "/org/gnome/Shell"),
                 proc=proc, timeout=60)
        wait_for("GNOME Shell leaving the overview", lambda: session.run(
            "gdbus", "call", "--session", "--dest", "org.gnome.Shell", "--object-path",
            "/org/gnome/Shell", "--method", "org.freedesktop.DBus.Properties.Set",
            "org.gnome.Shell", "OverviewActive", "<false>", timeout=20,
            check=False).returncode == 0, proc=proc, timeout=60)
    except CannotStart as exc:
        stop(proc)
        tail = Path(session.runtime, "gnome-shell.log").read_text(errors="replace")[-600:]
        raise CannotStart(f"{exc}; gnome-shell said: {tail}") from None
    env = {**env, "WAYLAND_DISPLAY": "wl-gnome", "GDK_BACKEND": "wayland"}
    return Compositor("gnome-shell", version, session, proc, env)
