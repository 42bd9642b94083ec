"""A real X session for tests: Xvfb plus a window manager, real windows, xdotool input.

Everything here is started by pid and stopped by that pid; nothing else is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"{tool} is not installed: run scripts/setup.sh --test")
    return path


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate `proc` (ours, by pid), then kill it if it does not go within 5 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@dataclass
class XSession:
    """An Xvfb display with openbox managing it."""

    display: str
    xvfb: subprocess.Popen
    wm: subprocess.Popen
    children: list[subprocess.Popen] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DISPLAY"] = self.display
        env.pop("WAYLAND_DISPLAY", None)
        env["XDG_SESSION_TYPE"] = "x11"
        return env

    def run(self, *args: str, timeout: float = 15) -> str:
        """Run an X client (xdotool, xprop...) on this display and return its stdout."""
        done = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=timeout, check=True
        )
        return done.stdout

    def xdotool(self, *args: str) -> str:
        return self.run(_require("xdotool"), *args)

    def start_tray_host(self, timeout: float = 15) -> subprocess.Popen:
        """Debian's trayer as the system tray (XEmbed); returns once its window exists. The
        caller stops it (stop_process)."""
        proc = subprocess.Popen(
            [_require("trayer"), "--edge", "top", "--align", "right", "--widthtype", "request",
             "--height", "24", "--SetDockType", "true", "--transparent", "false"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while not subprocess.run([_require("xdotool"), "search", "--class", "trayer"],
                                 env=self.env, capture_output=True, text=True).stdout.strip():
            if time.monotonic() > deadline:
                stop_process(proc)
                raise RuntimeError("trayer did not start")
            time.sleep(0.05)
        return proc

    def open_window(self, title: str, wm_class: str = "XTerm", *, command: list[str] | None = None,
                    cwd: str | None = None) -> Window:
        """Open a real xterm with `title` and WM_CLASS `wm_class` and wait until it is mapped."""
        args = [_require("xterm"), "-T", title, "-class", wm_class, "-geometry", "80x20"]
        args += ["-e", *(command or ["sleep", "3600"])]
        proc = subprocess.Popen(args, env=self.env, cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.children.append(proc)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            out = subprocess.run([_require("xdotool"), "search", "--onlyvisible", "--pid",
                                  str(proc.pid)], env=self.env, capture_output=True, text=True)
            ids = out.stdout.split()
            if ids:
                win = Window(self, int(ids[-1]), proc)
                win.activate()
                return win
            time.sleep(0.05)
        stop_process(proc)
        raise RuntimeError(f"window {title!r} did not appear")

    def launch(self, command: list[str], *, cwd: str | None = None,
               env: dict[str, str] | None = None, timeout: float = 60) -> Window:
        """Start a real application and wait until its window (of its own process) is
        mapped; then activate it."""
        proc = subprocess.Popen(command, env={**self.env, **(env or {})}, cwd=cwd,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        self.children.append(proc)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"{command[0]} exited with {proc.returncode}"
            ids = subprocess.run([_require("xdotool"), "search", "--onlyvisible", "--pid",
                                  str(proc.pid)], env=self.env, capture_output=True,
                                 text=True).stdout.split()
            if ids:
                win = Window(self, int(ids[-1]), proc)
                win.activate()
                return win
            time.sleep(0.1)
        stop_process(proc)
        raise RuntimeError(f"{command[0]} showed no window")

    def close(self) -> None:
        for proc in reversed(self.children):
            stop_process(proc)
        stop_process(self.wm)
        stop_process(self.xvfb)


@dataclass
class Window:
    session: XSession
    wid: int
    proc: subprocess.Popen

    def activate(self) -> None:
        self.session.xdotool("windowactivate", "--sync", str(self.wid))
        # openbox answers activation asynchronously: wait until it is really active.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            # getactivewindow fails while no window is active yet: that is "not yet" too.
            active = subprocess.run([_require("xdotool"), "getactivewindow"], env=self.session.env,
                                    capture_output=True, text=True).stdout.strip()
            if active == str(self.wid):
                return
            time.sleep(0.02)
        raise RuntimeError(f"window {self.wid} could not be activated")

    def set_title(self, title: str) -> None:
        self.session.xdotool("set_window", "--name", title, str(self.wid))

    def set_fullscreen(self, on: bool = True) -> None:
        """Ask the window manager for _NET_WM_STATE_FULLSCREEN (EWMH) and wait until it is set."""
        from Xlib import X, display, protocol

        conn = display.Display(self.session.display)
        try:
            state = conn.intern_atom("_NET_WM_STATE")
            fullscreen = conn.intern_atom("_NET_WM_STATE_FULLSCREEN")
            window = conn.create_resource_object("window", self.wid)
            event = protocol.event.ClientMessage(
                window=window, client_type=state, data=(32, [int(on), fullscreen, 0, 1, 0]))
            conn.screen().root.send_event(
                event, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
            conn.flush()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                value = window.get_full_property(state, X.AnyPropertyType)
                if (fullscreen in (value.value if value else ())) == on:
                    return
                time.sleep(0.02)
        finally:
            conn.close()
        raise RuntimeError(f"window {self.wid} did not {'enter' if on else 'leave'} full screen")

    def close(self) -> None:
        stop_process(self.proc)


def start_session(width: int = 1920, height: int = 1080) -> XSession:
    """Start Xvfb on a free display number, then openbox, and wait until both answer."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        [_require("Xvfb"), "-displayfd", str(write_fd), "-screen", "0",
         f"{width}x{height}x24", "-nolisten", "tcp", "-noreset", "+extension", "RECORD",
         "+extension", "RANDR"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        stop_process(xvfb)
        raise RuntimeError("Xvfb did not start")
    display = f":{number}"
    env = dict(os.environ, DISPLAY=display)
    wm = subprocess.Popen([_require("openbox"), "--sm-disable"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          start_new_session=True)
    session = XSession(display, xvfb, wm)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        probe = subprocess.run([_require("xprop"), "-root", "_NET_SUPPORTING_WM_CHECK"],
                               env=env, capture_output=True, text=True)
        if "window id" in probe.stdout:
            return session
        time.sleep(0.05)
    session.close()
    raise RuntimeError("openbox did not start on the test display")
