"""A portal screen share, read from PipeWire: the parser on `pw-dump` output recorded from a
real PipeWire here (tests/keep_active/data, made by tests.keep_active.video_nodes), and the
whole path on a real PipeWire with video nodes as the portals' backends and a camera make
them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.keep_active.sound_server import SoundServer, missing_tools, start_sound_server
from tests.keep_active.video_nodes import CAMERA, MUTTER_CAST, WLR_CAST, create, destroy
from watchers.keep_active import SCREEN_SHARE, KeepActive, KeepActiveSettings
from watchers.keep_active.screencast import (
    PipeWireScreencasts,
    Screencast,
    ScreencastUnavailable,
    is_screencast,
    parse_pw_dump,
)
from watchers.observation import Observation

DATA = Path(__file__).parent / "data"
IDLE = Observation(time=0, app="evince", title="slides.pdf", idle_seconds=120.0)


def recorded(name: str) -> str:
    return (DATA / f"pw-dump-{name}.json").read_text()


def test_recorded_dumps():
    assert parse_pw_dump(recorded("no-cast")) == []  # a sink, drivers, no video
    [cast] = parse_pw_dump(recorded("wlr-cast-and-camera"))  # the camera is not one
    assert (cast.name, cast.state) == ("xdpw-stream", "suspended")
    [cast] = parse_pw_dump(recorded("mutter-cast"))
    assert cast.name == "gnome-shell"


def test_what_is_a_screencast():
    assert is_screencast(WLR_CAST) and is_screencast(MUTTER_CAST)
    assert is_screencast({"media.class": "Video/Source", "node.name": "xdph-streaming-0"})
    assert not is_screencast(CAMERA)
    assert not is_screencast({"media.class": "Video/Source", "device.api": "libcamera"})
    assert not is_screencast({"media.class": "Video/Source", "node.name": "libcamera_input.x"})
    assert not is_screencast({"media.class": "Stream/Input/Video"})  # a browser reading one
    assert not is_screencast({"media.class": "Audio/Sink"})


def test_bad_dumps():
    with pytest.raises(ScreencastUnavailable, match="no JSON"):
        parse_pw_dump("can't connect")
    assert parse_pw_dump('{"not": "a list"}') == []
    gone = '[{"id": 7, "type": "PipeWire:Interface:Node", "info": null}]'  # --monitor removal
    broken = ('[{"id": 7, "type": "PipeWire:Interface:Node", "info": {"state": "error", '
              '"props": {"media.class": "Video/Source"}}}]')
    assert parse_pw_dump(gone) == parse_pw_dump(broken) == []


class Casts:
    """A recorded answer, counting the questions."""

    name = "test"

    def __init__(self, casts: list[Screencast]) -> None:
        self.casts, self.calls = casts, 0

    def active(self) -> list[Screencast]:
        self.calls += 1
        return self.casts


def test_a_cast_keeps_time_active_asked_only_when_idle():
    source = Casts(parse_pw_dump(recorded("wlr-cast-and-camera")))
    keep = KeepActive(KeepActiveSettings(audio=False), casts=source, audio_recheck=3600)
    typing = IDLE.replace(idle_seconds=1.0)
    assert keep.reason(typing) is None and source.calls == 0
    assert [keep.reason(IDLE) for _ in range(3)] == [SCREEN_SHARE] * 3 and source.calls == 1
    off = KeepActive(KeepActiveSettings(audio=False, screen_share=False), casts=source)
    assert off.reason(IDLE) is None and source.calls == 1
    none = KeepActive(KeepActiveSettings(audio=False), casts=Casts([]))
    assert none.reason(IDLE) is None


@pytest.fixture(scope="module")
def pipewire() -> Iterator[SoundServer]:
    if missing := missing_tools():
        pytest.skip(f"no PipeWire here: {', '.join(missing)} not installed "
                    "(scripts/setup.sh --test)")
    try:
        server = start_sound_server()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"PipeWire could not start here: {exc}")
    yield server
    server.close()


def test_real_pipewire(pipewire, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", pipewire.env["XDG_RUNTIME_DIR"])
    source = PipeWireScreencasts()
    keep = KeepActive(KeepActiveSettings(audio=False), casts=source, audio_recheck=0)
    assert source.active() == [] and keep.reason(IDLE) is None
    camera = create(pipewire, CAMERA)
    try:
        assert source.active() == [] and keep.reason(IDLE) is None
        for props in (WLR_CAST, MUTTER_CAST):
            node = create(pipewire, props)
            try:
                assert [c.name for c in source.active()] == [props["node.name"]]
                assert keep.reason(IDLE) == SCREEN_SHARE
            finally:
                destroy(pipewire, node)
            assert source.active() == [] and keep.reason(IDLE) is None
    finally:
        destroy(pipewire, camera)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(pipewire.runtime / "nothing-here"))
    assert source.active() == []  # no PipeWire runs: no share
