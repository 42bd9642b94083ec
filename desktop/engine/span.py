"""The unit of history: a span of time doing one thing, as recorded by one source."""

from __future__ import annotations

import uuid as uuidlib
from typing import Protocol

from watchers.records import Frozen, Record

# When sources overlap, the most specific wins the overlapped time (higher is more specific).
# Time the user logged by hand (`manual`) wins over anything a watcher saw at that moment.
SOURCE_PRIORITY = {"manual": 40, "editor": 30, "browser": 20, "window": 10}
MANUAL = "manual"

# The descriptive fields rules classify on; together they form a span's activity key.
# `category` is none unless the user set one (desktop.engine.manual); then it wins over the rules.
ACTIVITY_FIELDS = (
    "app", "title", "url", "site", "file", "project", "branch", "language", "editor",
    "browser", "terminal", "private", "audible", "category",
)
# Where the flags are in an activity key (SQLite hands them back as 0 and 1).
FLAG_INDICES = (ACTIVITY_FIELDS.index("private"), ACTIVITY_FIELDS.index("audible"))


def source_priority(source: str) -> int:
    """Priority of a source; imports (``"wakatime:editor"``) rank as their kind after the colon."""
    return SOURCE_PRIORITY.get(source.rsplit(":", 1)[-1], 0)


class Span(Record):
    """[start, end) in epoch seconds (UTC), doing one activity, from one source on one device.
    `uuid` None (or left out): a new one."""

    __slots__ = (  # noqa: RUF023 (in the order of __init__'s arguments)
        "start", "end", "source", "device", "uuid", "app", "title", "url", "site", "file",
        "project", "branch", "language", "editor", "browser", "terminal", "private", "audible",
        "category", "keystrokes", "clicks", "scrolls", "moves", "lines_added", "lines_deleted",
        # Where no input is counted (Wayland): times input came after a second without any.
        "idle_to_active")

    def __init__(self, start: float, end: float, source: str = "window", device: str = "",
                 uuid: str | None = None, app: str | None = None, title: str | None = None,
                 url: str | None = None, site: str | None = None, file: str | None = None,
                 project: str | None = None, branch: str | None = None,
                 language: str | None = None, editor: str | None = None,
                 browser: str | None = None, terminal: str | None = None,
                 private: bool = False, audible: bool = False, category: str | None = None,
                 keystrokes: int = 0, clicks: int = 0, scrolls: int = 0, moves: int = 0,
                 lines_added: int = 0, lines_deleted: int = 0, idle_to_active: int = 0) -> None:
        self.start = start
        self.end = end
        self.source = source
        self.device = device
        self.uuid: str = str(uuidlib.uuid4()) if uuid is None else uuid
        self.app = app
        self.title = title
        self.url = url
        self.site = site
        self.file = file
        self.project = project
        self.branch = branch
        self.language = language
        self.editor = editor
        self.browser = browser
        self.terminal = terminal
        self.private = private
        self.audible = audible
        self.category = category
        self.keystrokes = keystrokes
        self.clicks = clicks
        self.scrolls = scrolls
        self.moves = moves
        self.lines_added = lines_added
        self.lines_deleted = lines_deleted
        self.idle_to_active = idle_to_active

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    def activity_key(self) -> tuple:
        """The descriptive fields as a tuple: equal keys classify the same way."""
        return tuple(getattr(self, name) for name in ACTIVITY_FIELDS)


class Classification(Frozen):
    """What the rules make of an activity."""

    __slots__ = ("project", "category", "productivity")  # noqa: RUF023

    project: str | None
    category: str
    productivity: int  # -2 very distracting .. +2 very productive

    def __init__(self, project: str | None = None, category: str = "uncategorized",
                 productivity: int = 0) -> None:
        object.__setattr__(self, "project", project)
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "productivity", productivity)


class Classifier(Protocol):
    """Rules as analytics sees them. `fingerprint` changes whenever the rules do."""

    fingerprint: str

    def classify(self, span: Span) -> Classification: ...
