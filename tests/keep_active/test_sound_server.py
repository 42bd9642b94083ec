"""Sound from the focused app, read from a real PipeWire server (pipewire-pulse + wireplumber)
with a real `paplay` stream, and from a real focused X11 window playing it."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.keep_active.sound_server import SoundServer, missing_tools, start_sound_server
from tests.xsession import stop_process
from watchers.keep_active import AUDIO, KeepActive, KeepActiveSettings
from watchers.keep_active.audio import AudioUnavailable, PulseAudio
from watchers.observation import Observation


@pytest.fixture(scope="module")
def sound() -> Iterator[SoundServer]:
    if missing := missing_tools():
        pytest.skip(f"no sound server here: {', '.join(missing)} not installed "
                    "(scripts/setup.sh --test)")
    try:
        server = start_sound_server()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"PipeWire could not start here: {exc}")
    yield server
    server.close()


@pytest.fixture
def pulse_env(sound, monkeypatch) -> SoundServer:
    for key in ("XDG_RUNTIME_DIR", "PULSE_SERVER"):
        monkeypatch.setenv(key, sound.env[key])
    return sound


def wait_streams(source: PulseAudio, predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    streams = source.playing()
    while not predicate(streams):
        assert time.monotonic() < deadline, f"streams now: {streams}"
        time.sleep(0.05)
        streams = source.playing()
    return streams


def test_a_playing_stream_names_its_process_and_a_paused_one_does_not_play(pulse_env):
    source = PulseAudio()
    assert source.playing() == []
    # Its own application name: the server remembers mute per name, and other tests play.
    player = subprocess.Popen(["paplay", "-d", "tf_null", "--property=application.name=muted",
                               str(pulse_env.wav())], env=pulse_env.env)
    try:
        streams = wait_streams(source, lambda s: any(x.pid == player.pid for x in s))
        assert [(s.app, s.binary) for s in streams if s.pid == player.pid] == \
            [("muted", "pacat")]
        index = pulse_env.pactl("list", "short", "sink-inputs").split()[0]
        pulse_env.pactl("set-sink-input-mute", index, "1")
        assert wait_streams(source, lambda s: not s) == []  # muted: not playing
    finally:
        stop_process(player)
    assert wait_streams(source, lambda s: not s) == []


def test_sound_keeps_the_focused_app_active_not_another(pulse_env):
    player = subprocess.Popen(["paplay", "-d", "tf_null", str(pulse_env.wav())],
                              env=pulse_env.env)
    try:
        keep = KeepActive(KeepActiveSettings(), audio=PulseAudio())
        wait_streams(keep.audio, lambda s: any(x.pid == player.pid for x in s))
        focused = Observation(time=0, app="Paplay", title="a song", pid=player.pid)
        other = Observation(time=0, app="XTerm", title="shell", pid=1)
        assert keep.reason(focused) == AUDIO
        assert keep.reason(other) is None
        off = KeepActive(KeepActiveSettings(audio=False), audio=PulseAudio())
        assert off.reason(focused) is None
    finally:
        stop_process(player)


def test_no_sound_server_means_nothing_plays_and_no_pactl_is_a_warning(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/none")
    assert PulseAudio().playing() == []
    blind = PulseAudio()
    blind.pactl = None  # installed nowhere: then we cannot know
    with pytest.raises(AudioUnavailable, match="pulseaudio-utils"):
        blind.playing()
    keep = KeepActive(KeepActiveSettings(), audio=blind)
    assert keep.reason(Observation(time=0, app="XTerm", title="x", pid=1)) is None
    assert keep.warning and keep.warning.startswith("audio: pactl is not installed")


@pytest.mark.x11
def test_a_focused_x11_window_whose_child_plays_is_kept_active(pulse_env, x_session):
    """The focused xterm runs paplay in its shell: the stream's process is the window's
    child, so the poller says active_reason "audio"; focus another window and it does not."""
    from watchers.poller import Poller

    wav = pulse_env.wav()
    playing = x_session.open_window("music", "Player",
                                    command=["sh", "-c", f"paplay -d tf_null {wav}; sleep 60"])
    poller = Poller(keep_active=KeepActive(KeepActiveSettings(), audio=PulseAudio(),
                                           audio_after_idle=0, audio_recheck=0))
    try:
        wait_streams(poller.keep_active.audio, lambda s: bool(s))
        obs = poller.poll()
        assert obs.pid == playing.proc.pid and obs.active_reason == AUDIO
        assert obs.to_json()["active_reason"] == AUDIO
        quiet = x_session.open_window("quiet", "Quiet")
        obs = poller.poll()
        assert obs.pid == quiet.proc.pid and obs.active_reason is None
        quiet.set_fullscreen(True)
        assert poller.poll().active_reason == "fullscreen"
        quiet.close()
    finally:
        poller.close()
        playing.close()
