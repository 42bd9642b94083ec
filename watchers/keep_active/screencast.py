"""Is the screen being shared? On Wayland (and X11 sessions with PipeWire) a screen share goes
through the xdg-desktop-portal ScreenCast interface, whose backend publishes the picture as a
PipeWire node for as long as the session runs: the real signal, whatever app shares and
whatever its windows are called. Read from `pw-dump` (pipewire-bin):

- xdg-desktop-portal-wlr and -hyprland: a node of class ``Video/Source`` (``xdpw-stream``,
  ``xdph-streaming-N``);
- GNOME (mutter) and KDE (KWin): an output stream, class ``Stream/Output/Video``
  (mutter's media.name ``meta-screen-cast-src``).

Cameras are ``Video/Source`` nodes too; they carry ``device.api`` (v4l2, libcamera) or the
media role ``Camera`` and are never a screen share. A share's node exists from the portal
session's start to its end (suspended while nobody reads it, running while frames flow).
Where PipeWire's socket is not, nothing is shared through it and pw-dump is not started.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Protocol

from watchers.programs import which
from watchers.records import Frozen

PW_DUMP_TIMEOUT = 2.0
_PRODUCERS = ("Video/Source", "Stream/Output/Video")
_CAMERA_PREFIXES = ("v4l2_input.", "libcamera_input.")


class ScreencastUnavailable(Exception):
    """PipeWire could not be asked (pw-dump missing, failing or printing no JSON)."""


class Screencast(Frozen):
    __slots__ = ("node", "name", "state", "app")  # noqa: RUF023

    node: int
    name: str  # node.name (or media.name)
    state: str  # the node's state: suspended, idle, running...
    app: str | None  # application.name of the client that made it, when it says

    def __init__(self, node: int, name: str, state: str, app: str | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "node", node)
        set_(self, "name", name)
        set_(self, "state", state)
        set_(self, "app", app)


class ScreencastSource(Protocol):
    name: str

    def active(self) -> list[Screencast]: ...


def is_screencast(props: Mapping[str, Any]) -> bool:
    """Do a PipeWire node's properties make it a screen-cast producer (not a camera)?"""
    if props.get("media.class") not in _PRODUCERS:
        return False
    name = str(props.get("node.name") or "")
    return not (props.get("device.api") or str(props.get("media.role", "")).lower() == "camera"
                or name.startswith(_CAMERA_PREFIXES))


def parse_pw_dump(text: str) -> list[Screencast]:
    """The screen-cast producers among the objects `pw-dump` printed (nodes in error
    excepted)."""
    try:
        objects = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScreencastUnavailable(f"pw-dump printed no JSON: {exc}") from None
    out = []
    for obj in objects if isinstance(objects, list) else ():
        if not isinstance(obj, Mapping) or obj.get("type") != "PipeWire:Interface:Node":
            continue
        info = obj.get("info")
        props = info.get("props") if isinstance(info, Mapping) else None
        if not isinstance(props, Mapping) or not is_screencast(props):
            continue
        state = str(info.get("state") or "")
        if state == "error" or not isinstance(obj.get("id"), int):
            continue
        out.append(Screencast(obj["id"], str(props.get("node.name") or
                                             props.get("media.name") or ""), state,
                              props.get("application.name")))
    return out


def no_pipewire(env: Mapping[str, str] = os.environ) -> bool:
    """True when PipeWire's socket ($PIPEWIRE_REMOTE, by default pipewire-0) is in none of
    the folders its clients look in ($PIPEWIRE_RUNTIME_DIR, $XDG_RUNTIME_DIR, $USERPROFILE,
    /run/pipewire): pw-dump would answer "can't connect"."""
    remote = env.get("PIPEWIRE_REMOTE") or "pipewire-0"
    folders = [env.get(k) for k in ("PIPEWIRE_RUNTIME_DIR", "XDG_RUNTIME_DIR", "USERPROFILE")]
    return not any(os.path.exists(os.path.join(folder, remote))
                   for folder in (*folders, "/run/pipewire") if folder)


class PipeWireScreencasts:
    """`pw-dump` once per question (about 10 ms; 0 ms when PipeWire does not run)."""

    name = "screencast.pipewire"

    def __init__(self) -> None:
        self.pw_dump = which("pw-dump")

    def active(self) -> list[Screencast]:
        if self.pw_dump is None:
            raise ScreencastUnavailable("pw-dump is not installed (Debian: pipewire-bin)")
        if no_pipewire():
            return []
        import subprocess  # here: a start that asks no PipeWire does not pay for it

        try:
            done = subprocess.run([self.pw_dump, "--no-colors"], capture_output=True,
                                  text=True, timeout=PW_DUMP_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ScreencastUnavailable(f"pw-dump failed: {exc}") from None
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or [str(done.returncode)])[0]
            if "can't connect" in reason:
                return []  # no PipeWire runs: nothing can be shared through it
            raise ScreencastUnavailable(f"PipeWire did not answer: {reason}")
        return parse_pw_dump(done.stdout)


def create_screencast_source(platform: str) -> ScreencastSource | None:
    """PipeWire's where it may run (Linux, the BSDs); None elsewhere."""
    return PipeWireScreencasts() if platform.startswith(("linux", "freebsd")) else None
