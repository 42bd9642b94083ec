"""The one thing every watcher produces: an immutable snapshot of what the user is doing."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from watchers.records import Frozen

# Keys `timeforged now --json` always prints, in this order.
JSON_KEYS = (
    "time", "app", "title", "pid", "exe", "idle_seconds", "editor", "file", "project",
    "project_path", "branch", "language", "terminal", "browser", "site", "url", "private",
    "audible", "fullscreen", "active_reason",
)


# What input hooks count (X11, Windows, macOS); where none can run (Wayland) only the idle
# watcher's transitions are counted.
INPUT_COUNTS = ("keystrokes", "clicks", "scrolls", "moves")
TRANSITION_COUNTS = ("idle_to_active",)
_NO_SOURCES: Mapping[str, str] = MappingProxyType({})


class ActivityCounts(Frozen):
    """Activity counted over an interval; never which keys or where. `counted` names the
    counters that were measured (the others are 0 because nobody counted them):
    `idle_to_active` is the number of times input came after at least a second without any,
    as the idle watcher saw it."""

    __slots__ = (  # noqa: RUF023 (in the order of __init__'s arguments)
        "keystrokes", "clicks", "scrolls", "moves", "idle_to_active", "counted")

    keystrokes: int
    clicks: int
    scrolls: int
    moves: int
    idle_to_active: int
    counted: tuple[str, ...]

    def __init__(self, keystrokes: int = 0, clicks: int = 0, scrolls: int = 0, moves: int = 0,
                 idle_to_active: int = 0, counted: tuple[str, ...] = INPUT_COUNTS) -> None:
        set_ = object.__setattr__
        set_(self, "keystrokes", keystrokes)
        set_(self, "clicks", clicks)
        set_(self, "scrolls", scrolls)
        set_(self, "moves", moves)
        set_(self, "idle_to_active", idle_to_active)
        set_(self, "counted", counted)

    @property
    def total(self) -> int:
        return self.keystrokes + self.clicks + self.scrolls + self.moves

    def measured(self) -> dict[str, int]:
        """The counters that were measured, by name."""
        return {name: getattr(self, name) for name in self.counted}

    def __add__(self, other: ActivityCounts) -> ActivityCounts:
        return ActivityCounts(
            self.keystrokes + other.keystrokes, self.clicks + other.clicks,
            self.scrolls + other.scrolls, self.moves + other.moves,
            self.idle_to_active + other.idle_to_active,
            tuple(dict.fromkeys((*self.counted, *other.counted))),
        )


_NO_ACTIVITY = ActivityCounts()


class Observation(Frozen):
    """What is happening at `time` (epoch seconds).

    `sources` maps each filled field to the watcher that filled it (``"window.x11"``,
    ``"editor.title"``, ``"idle.hooks"``...); `warnings` names what could not be seen.
    """

    __slots__ = (  # noqa: RUF023 (in the order of __init__'s arguments)
        "time", "app", "title", "pid", "exe", "idle_seconds", "activity", "editor", "file",
        "project", "project_path", "branch", "language", "terminal", "browser", "site", "url",
        "private", "audible", "fullscreen", "active_reason", "sources", "warnings")

    time: float
    app: str | None
    title: str | None
    pid: int | None
    exe: str | None
    idle_seconds: float | None
    activity: ActivityCounts
    editor: str | None
    file: str | None
    project: str | None
    project_path: str | None
    branch: str | None
    language: str | None
    terminal: str | None
    browser: str | None
    site: str | None
    url: str | None
    private: bool | None
    audible: bool | None
    fullscreen: bool | None
    # What keeps the time active without input (watchers.keep_active): "audio", "meeting"...
    active_reason: str | None
    sources: Mapping[str, str]
    warnings: tuple[str, ...]

    def __init__(self, time: float, app: str | None = None, title: str | None = None,
                 pid: int | None = None, exe: str | None = None, idle_seconds: float | None = None,
                 activity: ActivityCounts = _NO_ACTIVITY, editor: str | None = None,
                 file: str | None = None, project: str | None = None,
                 project_path: str | None = None, branch: str | None = None,
                 language: str | None = None, terminal: str | None = None,
                 browser: str | None = None, site: str | None = None, url: str | None = None,
                 private: bool | None = None, audible: bool | None = None,
                 fullscreen: bool | None = None, active_reason: str | None = None,
                 sources: Mapping[str, str] = _NO_SOURCES, warnings: tuple[str, ...] = ()) -> None:
        if not isinstance(sources, MappingProxyType):
            sources = MappingProxyType(dict(sources))
        set_ = object.__setattr__
        set_(self, "time", time)
        set_(self, "app", app)
        set_(self, "title", title)
        set_(self, "pid", pid)
        set_(self, "exe", exe)
        set_(self, "idle_seconds", idle_seconds)
        set_(self, "activity", activity)
        set_(self, "editor", editor)
        set_(self, "file", file)
        set_(self, "project", project)
        set_(self, "project_path", project_path)
        set_(self, "branch", branch)
        set_(self, "language", language)
        set_(self, "terminal", terminal)
        set_(self, "browser", browser)
        set_(self, "site", site)
        set_(self, "url", url)
        set_(self, "private", private)
        set_(self, "audible", audible)
        set_(self, "fullscreen", fullscreen)
        set_(self, "active_reason", active_reason)
        set_(self, "sources", sources)
        set_(self, "warnings", warnings)

    def source_of(self, name: str) -> str | None:
        """The watcher that filled field `name`, or None if nobody did."""
        return self.sources.get(name)

    def with_fields(self, source: str, **values: Any) -> Observation:
        """A copy with `values` set (None values skipped), each recorded as filled by `source`."""
        values = {k: v for k, v in values.items() if v is not None}
        if not values:
            return self
        sources = {**self.sources, **dict.fromkeys(values, source)}
        return self.replace(**values, sources=sources)

    def with_warning(self, message: str) -> Observation:
        return self.replace(warnings=(*self.warnings, message))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: every key in JSON_KEYS (None where unknown), plus activity
        (the measured counters only; None when nothing was counted: zeros would read as
        measured), sources and warnings."""
        out: dict[str, Any] = {k: getattr(self, k) for k in JSON_KEYS}
        out["activity"] = self.activity.measured() if "activity" in self.sources else None
        out["sources"] = dict(self.sources)
        out["warnings"] = list(self.warnings)
        return out
