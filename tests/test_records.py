"""The watchers' value classes (watchers.records, not dataclasses: issue 21) behave as the
frozen dataclasses they were: keyword construction and defaults, equality, hashing, repr,
`replace`, read-only fields. Each is compared with a dataclass made from its `__init__`."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from types import MappingProxyType

import pytest

from watchers.apps import KnownApp
from watchers.browsers import BrowserSpec, TabTitle, TabUrl
from watchers.editors import EditorSpec, TitleFacts
from watchers.keep_active import KeepActiveSettings
from watchers.keep_active.audio import AudioStream
from watchers.keep_active.screencast import Screencast
from watchers.observation import ActivityCounts, Observation
from watchers.processes import ProcInfo
from watchers.projects import Project
from watchers.records import Frozen
from watchers.terminals import TerminalSpec, TerminalTitle
from watchers.window.base import WindowInfo
from watchers.window.windows import Rect
from watchers.window.wlr_toplevel import Toplevel
from watchers.window.x11 import _Client

RECORDS = (ActivityCounts, Observation, WindowInfo, _Client, EditorSpec, TitleFacts, ProcInfo,
           Project, KnownApp, TerminalSpec, TerminalTitle, BrowserSpec, TabTitle, TabUrl,
           AudioStream, Screencast, KeepActiveSettings, Rect)


def parameters(cls: type) -> list[inspect.Parameter]:
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


def twin(cls: type) -> type:
    """A frozen dataclass with `cls`'s fields, in order, and defaults."""
    fields = [(p.name, object) if p.default is p.empty else
              (p.name, object, dataclasses.field(default_factory=lambda d=p.default: d))
              for p in parameters(cls)]
    return dataclasses.make_dataclass(cls.__qualname__, fields, frozen=True)


def sample(cls: type, mark: str) -> dict[str, object]:
    """Keyword arguments for every field (a hashable value each, sources a mapping)."""
    return {p.name: MappingProxyType({"app": mark}) if p.name == "sources" else f"{p.name}-{mark}"
            for p in parameters(cls)}


def values(record: object) -> tuple:
    """The fields' values, in order, of a record or a dataclass (not copied, as astuple does)."""
    names = [f.name for f in dataclasses.fields(record)] if dataclasses.is_dataclass(record) \
        else record.__slots__
    return tuple(getattr(record, name) for name in names)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_a_record_is_its_dataclass(cls):
    assert issubclass(cls, Frozen) and "__dict__" not in dir(cls)
    assert cls.__slots__ == tuple(p.name for p in parameters(cls))
    dc = twin(cls)
    required = {p.name: f"{p.name}-r" for p in parameters(cls) if p.default is p.empty}
    assert values(cls(**required)) == values(dc(**required))  # the defaults
    one, other = sample(cls, "1"), sample(cls, "2")
    record, copy = cls(**one), cls(*one.values())
    assert repr(record) == repr(dc(**one))
    assert record == copy and record != cls(**other) and record != dc(**one)
    assert values(record) == tuple(one.values())
    if "sources" not in one:  # a mappingproxy: neither hashed nor pickled, as before
        assert hash(record) == hash(dc(**one)) == hash(copy)
        assert pickle.loads(pickle.dumps(record)) == record
    for name, value in other.items():
        changed = record.replace(**{name: value})
        assert values(changed) == values(dataclasses.replace(dc(**one),
                                                                          **{name: value}))
        assert changed != record and record == copy
        with pytest.raises(AttributeError):
            setattr(record, name, value)
        with pytest.raises(AttributeError):
            delattr(record, name)
    with pytest.raises(TypeError):
        record.replace(nonsense=1)
    with pytest.raises(TypeError):
        cls(**one, nonsense=1)


def test_an_observation_holds_its_sources_read_only():
    obs = Observation(time=1.0, app="Code", sources={"app": "window.x11"})
    assert isinstance(obs.sources, MappingProxyType) and obs.source_of("app") == "window.x11"
    assert Observation(time=1.0).sources == {} and Observation(time=1.0).activity == \
        ActivityCounts()
    later = obs.with_fields("editor.window", editor="VS Code", file=None)
    assert (later.editor, later.file, dict(later.sources)) == (
        "VS Code", None, {"app": "window.x11", "editor": "editor.window"})
    assert obs.with_fields("x", file=None) is obs
    assert obs.with_warning("no idle").warnings == ("no idle",) and obs.warnings == ()


def test_a_toplevel_is_a_mutable_record_copied_at_done():
    top = Toplevel(title="a", app_id="foot")
    done = top.replace()  # what the watcher keeps at `done`
    top.activated = True
    assert done == Toplevel("a", "foot") and done != top and top.activated
    assert repr(done) == "Toplevel(title='a', app_id='foot', activated=False, fullscreen=False)"
    with pytest.raises(TypeError):
        hash(done)
