"""A private PipeWire sound server for tests: pipewire, pipewire-pulse and wireplumber (on a
dbus-daemon of its own) in a throwaway XDG_RUNTIME_DIR, a null sink, and `paplay` of a
generated WAV to it. Everything is started by pid and stopped by that pid."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

from tests.xsession import stop_process

TOOLS = ("pipewire", "pipewire-pulse", "wireplumber", "pactl", "paplay", "dbus-daemon")
# SPA's video test pattern as a node factory (`pw-cli create-node spa-node-factory
# factory.name=videotestsrc ...`): the picture of a screen cast or a camera.
VIDEO_TEST_SOURCE = "context.spa-libs = { videotestsrc = videotestsrc/libspa-videotestsrc }\n"


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


@dataclass
class SoundServer:
    runtime: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        # State (wireplumber remembers each app's mute) and config stay in the throwaway dir.
        return {**os.environ, "XDG_RUNTIME_DIR": str(self.runtime),
                "XDG_STATE_HOME": str(self.runtime / "state"),
                "XDG_CONFIG_HOME": str(self.runtime / "config"),
                "PULSE_SERVER": f"unix:{self.runtime}/pulse/native"}

    def pactl(self, *args: str) -> str:
        return subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True,
                              timeout=10, check=True).stdout

    def wav(self, seconds: float = 30.0) -> Path:
        path = self.runtime / "tone.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\x10\x00\xf0\xff" * int(4000 * seconds))
        return path

    def close(self) -> None:
        for proc in reversed(self.procs):
            stop_process(proc)
        shutil.rmtree(self.runtime, ignore_errors=True)


def start_sound_server(timeout: float = 15.0) -> SoundServer:
    """Raises RuntimeError (with the reason) when the server does not come up."""
    server = SoundServer(Path(tempfile.mkdtemp(prefix="tf-sound-")))
    os.chmod(server.runtime, 0o700)
    conf = server.runtime / "config" / "pipewire" / "pipewire.conf.d"
    conf.mkdir(parents=True)
    (conf / "videotestsrc.conf").write_text(VIDEO_TEST_SOURCE)
    logs = server.runtime / "log"
    try:
        # wireplumber's session bus: a dbus-daemon of our own, by pid (dbus-run-session
        # would leave its daemon running when it is stopped)
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                               env=server.env, stdout=subprocess.PIPE, text=True,
                               stderr=open(logs, "ab"), start_new_session=True)  # noqa: SIM115
        server.procs.append(bus)
        address = bus.stdout.readline().strip()
        for command in (["pipewire"], ["pipewire-pulse"], ["wireplumber"]):
            server.procs.append(subprocess.Popen(
                command, env={**server.env, "DBUS_SESSION_BUS_ADDRESS": address},
                stdout=subprocess.DEVNULL, stderr=open(logs, "ab"),  # noqa: SIM115
                start_new_session=True))
        deadline = time.monotonic() + timeout
        while True:
            done = subprocess.run(["pactl", "info"], env=server.env, capture_output=True,
                                  text=True, timeout=10)
            if done.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"pipewire-pulse did not answer: {done.stderr.strip()}")
            time.sleep(0.1)
        server.pactl("load-module", "module-null-sink", "sink_name=tf_null")
    except BaseException:
        server.close()
        raise
    return server
