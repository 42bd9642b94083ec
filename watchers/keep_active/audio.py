"""Which processes are playing sound now, per platform, behind one small interface.

- Linux: PulseAudio or PipeWire (pipewire-pulse) sink inputs, from `pactl -f json list
  sink-inputs`: a stream that is neither corked (paused) nor muted plays; its
  `application.process.id` names the process. Where no server can answer (no socket where
  libpulse looks, no server named elsewhere) nothing plays, and pactl is not started.
- macOS: `pmset -g assertions`: a process holding PreventUserIdle{Display,System}Sleep with an
  audio/video/call reason ("Playing audio", "Video Wake Lock", "… is in a meeting").
- Windows: the audio sessions of the default output device (pycaw), a session in the
  AudioSessionStateActive state plays.

Each source answers `playing()` with the streams it sees, or raises AudioUnavailable.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from watchers.programs import which
from watchers.records import Frozen

PACTL_TIMEOUT = 2.0


class AudioUnavailable(Exception):
    """No sound server answers (none running, no client installed)."""


class AudioStream(Frozen):
    __slots__ = ("pid", "app", "binary")  # noqa: RUF023

    pid: int | None
    app: str | None  # application.name / the process name
    binary: str | None  # application.process.binary

    def __init__(self, pid: int | None, app: str | None, binary: str | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "pid", pid)
        set_(self, "app", app)
        set_(self, "binary", binary)


class AudioSource(Protocol):
    name: str

    def playing(self) -> list[AudioStream]: ...


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_sink_inputs(text: str) -> list[AudioStream]:
    """The playing streams in `pactl -f json list sink-inputs` output."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AudioUnavailable(f"pactl printed no JSON: {exc}") from None
    out = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, Mapping) or item.get("corked") or item.get("mute"):
            continue
        props = item.get("properties") or {}
        out.append(AudioStream(_int(props.get("application.process.id")),
                               props.get("application.name"),
                               props.get("application.process.binary")))
    return out


_CLIENT_CONFS = ("/etc/pulse/client.conf",)
_SYSTEM_SOCKET = "/var/run/pulse/native"


def _names_a_server(conf: str) -> bool:
    """Does a client.conf set `default-server`?"""
    try:
        with open(conf, encoding="utf-8", errors="replace") as f:
            return any(line.split("=", 1)[0].strip() == "default-server" for line in f)
    except OSError:
        return False


def no_pulse_server(env: Mapping[str, str] = os.environ) -> bool:
    """True when libpulse would find no server: $PULSE_SERVER (a socket path, else asked)
    and client.conf's `default-server` name none, and no socket is where it looks by default
    (`native` in $XDG_RUNTIME_DIR/pulse, else in ~/.config/pulse/*-runtime; the system-wide
    one). pactl would answer "Connection refused" or "No such file": nothing plays (a server
    it autospawned would play nothing yet)."""
    named = env.get("PULSE_SERVER", "").strip()
    if named:
        path = named.removeprefix("unix:")
        return path.startswith("/") and " " not in path and not os.path.exists(path)
    if env.get("PULSE_CLIENTCONFIG"):
        return False
    config = os.path.join(env.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"),
                          "pulse")
    confs = [os.path.join(config, "client.conf"), *_CLIENT_CONFS]
    with contextlib.suppress(OSError):
        confs += [entry.path for entry in os.scandir("/etc/pulse/client.conf.d")]
    if any(_names_a_server(conf) for conf in confs):
        return False
    runtime = env.get("XDG_RUNTIME_DIR")
    folders = [os.path.join(runtime, "pulse")] if runtime else []
    if not runtime:
        with contextlib.suppress(OSError):
            folders += [e.path for e in os.scandir(config) if e.name.endswith("-runtime")]
    sockets = [os.path.join(folder, "native") for folder in folders]
    return not any(os.path.exists(socket) for socket in (*sockets, _SYSTEM_SOCKET))


class PulseAudio:
    """PulseAudio or PipeWire's pulse server, through `pactl` (pulseaudio-utils)."""

    name = "audio.pulse"

    def __init__(self) -> None:
        self.pactl = which("pactl")

    def playing(self) -> list[AudioStream]:
        if self.pactl is None:
            raise AudioUnavailable("pactl is not installed (Debian: pulseaudio-utils)")
        if no_pulse_server():
            return []
        import subprocess  # here: a start that asks no server does not pay for it

        try:
            done = subprocess.run([self.pactl, "-f", "json", "list", "sink-inputs"],
                                  capture_output=True, text=True, timeout=PACTL_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AudioUnavailable(f"pactl failed: {exc}") from None
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or [str(done.returncode)])[0]
            if "Connection refused" in reason or "No such file" in reason:
                return []  # no sound server runs: nothing can play through one
            raise AudioUnavailable(f"the sound server did not answer: {reason}")
        return parse_sink_inputs(done.stdout)


# Compiled on first use (re's cache), on macOS only.
_ASSERTION = (r"^\s*pid (\d+)\((.+?)\): \[[^\]]*\] \S+ "
              r"(PreventUserIdle(?:Display|System)Sleep) named: \"(.*)\"")
_MEDIA_REASON = r"(?i)audio|video|playing|meeting|call|media|wake lock"
_SYSTEM_OWNERS = {"coreaudiod", "powerd", "WindowServer"}


def parse_pmset_assertions(text: str) -> list[AudioStream]:
    """Processes keeping the Mac awake for sound, video or a call (`pmset -g assertions`)."""
    out = []
    for line in text.splitlines():
        match = re.match(_ASSERTION, line)
        if match and match.group(2) not in _SYSTEM_OWNERS and \
                re.search(_MEDIA_REASON, match.group(4)):
            out.append(AudioStream(int(match.group(1)), match.group(2), match.group(2)))
    return out


class MacAssertions:
    name = "audio.pmset"

    def playing(self) -> list[AudioStream]:
        import subprocess

        try:
            done = subprocess.run(["pmset", "-g", "assertions"], capture_output=True,
                                  text=True, timeout=PACTL_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AudioUnavailable(f"pmset failed: {exc}") from None
        return parse_pmset_assertions(done.stdout)


ACTIVE_SESSION = 1  # AudioSessionState.AudioSessionStateActive


def parse_windows_sessions(sessions: Iterable[Mapping[str, Any]]) -> list[AudioStream]:
    """Active sessions from rows {"pid", "name", "state"} (what pycaw's sessions give)."""
    return [AudioStream(_int(s.get("pid")) or None, s.get("name"), s.get("name"))
            for s in sessions if s.get("state") == ACTIVE_SESSION]


class WindowsSessions:
    name = "audio.wasapi"

    def playing(self) -> list[AudioStream]:
        try:
            from pycaw.pycaw import AudioUtilities  # type: ignore[import-not-found]
        except ImportError:
            raise AudioUnavailable("pycaw is not installed") from None
        rows = []
        for session in AudioUtilities.GetAllSessions():
            process = session.Process
            rows.append({"pid": session.ProcessId, "state": session.State,
                         "name": process.name() if process else None})
        return parse_windows_sessions(rows)


def create_audio_source(platform: str = sys.platform) -> AudioSource:
    if platform == "darwin":
        return MacAssertions()
    if platform == "win32":
        return WindowsSessions()
    return PulseAudio()
