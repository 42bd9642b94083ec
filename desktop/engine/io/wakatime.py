"""WakaTime data dumps: ``{"user": {...}, "range": {...}, "days": [{"date", "heartbeats"}]}``.

Heartbeats become spans with WakaTime's own rule for durations: all heartbeats on one
timeline, sorted by time; the time from a heartbeat to the next one counts for the earlier
heartbeat when the gap is below the timeout (15 minutes by default), and not at all otherwise,
so a lone heartbeat, or the last before a break, counts zero. Consecutive heartbeats of the
same activity (project, entity, type, category, language, branch, editor, machine) join into
one span, as WakaTime joins them into one duration.

Editors come from user agents ("wakatime/v1.90 (linux-6.1) go1.21 vscode/1.85
vscode-wakatime/24.2"), given on the heartbeat (`user_agent`) or through `user_agent_id` and
an optional top-level ``user_agents`` list; machine names likewise through ``machines``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from desktop.engine.io.common import (
    ImportFormatError,
    check,
    expect,
    import_uuid,
    load_json,
    require,
    schema,
)
from desktop.engine.span import Span

DEFAULT_TIMEOUT_MINUTES = 15.0
_PLUGIN = re.compile(r"(?:^|\s)([A-Za-z0-9_.]+?)-wakatime/", re.IGNORECASE)
_AFTER_RUNTIME = re.compile(r"\)\s+(?:go[\d.]+\s+)?([A-Za-z][\w.-]*)/")
_BROWSER_TYPES = {"domain", "url"}
_WEB_EDITORS = {"chrome", "firefox", "edge", "brave", "opera", "safari", "browser"}


@dataclass(slots=True)
class Heartbeat:
    time: float
    key: tuple  # everything that makes two heartbeats the same activity
    entity: str
    type: str
    project: str | None
    branch: str | None
    language: str | None
    editor: str | None
    machine: str
    lines_added: int
    lines_deleted: int


_HEARTBEAT = schema(
    ("time", float), ("entity", str), ("type", str, True), ("category", str, True),
    ("project", str, True), ("branch", str, True), ("language", str, True),
    ("is_write", bool, True), ("lines", int, True), ("lineno", int, True),
    ("cursorpos", int, True), ("line_additions", int, True), ("line_deletions", int, True),
    ("user_agent_id", (str, int), True), ("user_agent", str, True),
    ("machine_name_id", (str, int), True),
)
_DAY = schema(("date", str), ("heartbeats", list))


def editor_of(user_agent: str | None) -> str | None:
    """The editor's name in a WakaTime user agent ("vscode", "vim", "chrome"...)."""
    if not user_agent:
        return None
    found = _PLUGIN.search(user_agent) or _AFTER_RUNTIME.search(user_agent)
    return found.group(1).lower() if found else None


def _lookup(path: Path, data: dict, key: str) -> dict[str, dict]:
    """Optional top-level lists of {"id": ...} objects, by id."""
    entries = data.get(key)
    if entries is None:
        return {}
    expect(path, key, entries, list)
    found = {}
    for index, entry in enumerate(entries):
        where = f"{key}[{index}]"
        expect(path, where, entry, dict)
        found[str(require(path, where, entry, "id", (str, int)))] = entry
    return found


class _Names:
    """Editors by user agent and machine names by id, looked up once each."""

    def __init__(self, agents: dict[str, dict], machines: dict[str, dict]) -> None:
        self.agents, self.machines = agents, machines
        self._editors: dict[tuple, str | None] = {}
        self._machines: dict[Any, str] = {}

    def editor(self, agent_id: Any, agent: str | None) -> str | None:
        key = (agent_id, agent)
        if key not in self._editors:
            known = self.agents.get(str(agent_id), {}) if agent is None else {}
            named = known.get("editor")
            if agent is None and isinstance(known.get("value"), str):
                agent = known["value"]
            self._editors[key] = named.lower() if isinstance(named, str) else editor_of(agent)
        return self._editors[key]

    def machine(self, machine_id: Any) -> str:
        if machine_id not in self._machines:
            named = self.machines.get(str(machine_id), {}).get("name")
            self._machines[machine_id] = (named if isinstance(named, str) else
                                          "" if machine_id is None else str(machine_id))
        return self._machines[machine_id]


def _heartbeat(path: Path, where: Callable[[], str], raw: Any, names: _Names) -> Heartbeat:
    get = check(path, where, raw, _HEARTBEAT).get
    entity, project, branch, language = raw["entity"], get("project"), get("branch"), \
        get("language")
    kind = get("type") or "file"
    editor = names.editor(get("user_agent_id"), get("user_agent"))
    machine = names.machine(get("machine_name_id"))
    key = (project, entity, kind, get("category") or "coding", language, branch, editor, machine)
    return Heartbeat(float(raw["time"]), key, entity, kind, project or None, branch or None,
                     language or None, editor, machine, get("line_additions") or 0,
                     get("line_deletions") or 0)


def read(path: Path, timeout_minutes: float = DEFAULT_TIMEOUT_MINUTES,
         data: Any = None) -> list[Span]:
    data = load_json(path) if data is None else data
    expect(path, "the top level", data, dict)
    days = require(path, "the top level", data, "days", list)
    agents = _lookup(path, data, "user_agents")
    machines = _lookup(path, data, "machines")
    names = _Names(agents, machines)
    beats: list[Heartbeat] = []
    for d, day in enumerate(days):
        check(path, lambda d=d: f"days[{d}]", day, _DAY)
        try:
            date.fromisoformat(day["date"])
        except ValueError:
            raise ImportFormatError(path, f"not a date (YYYY-MM-DD): {day['date']!r}",
                                    f"days[{d}].date") from None
        for h, raw in enumerate(day["heartbeats"]):
            beats.append(_heartbeat(path, lambda d=d, h=h: f"days[{d}].heartbeats[{h}]", raw,
                                    names))
    return durations(beats, timeout_minutes * 60.0)


def durations(beats: list[Heartbeat], timeout: float) -> list[Span]:
    """WakaTime's durations, as spans (zero-length ones left out)."""
    beats = sorted(beats, key=lambda b: b.time)
    spans: list[Span] = []
    run: list[Heartbeat] = []  # heartbeats of the activity being joined
    end = 0.0

    def flush() -> None:
        if run and end > run[0].time:
            spans.append(_span(run, end))

    for i, beat in enumerate(beats):
        following = beats[i + 1].time if i + 1 < len(beats) else None
        counted = following is not None and following - beat.time < timeout
        if run and beat.key == run[0].key and end == beat.time:
            run.append(beat)  # still the same activity, joined without a break
        else:
            flush()
            run = [beat]
        end = following if counted and following is not None else beat.time
        if not counted:
            flush()
            run = []
    flush()
    return spans


def _span(run: list[Heartbeat], end: float) -> Span:
    first = run[0]
    source = "wakatime:browser" if first.type in _BROWSER_TYPES else "wakatime:editor"
    span = Span(start=first.time, end=end, source=source, device=first.machine,
                uuid=import_uuid(source, repr((first.machine, first.time, first.key))),
                project=first.project, branch=first.branch, language=first.language,
                editor=first.editor)
    if first.type == "file":
        span.file = first.entity
    elif first.type == "url":
        span.url = first.entity
    elif first.type == "domain":
        span.site = first.entity
    else:  # "app" and anything newer: the entity names the application
        span.app = first.entity
    if first.type in _BROWSER_TYPES and first.editor in _WEB_EDITORS:
        span.browser = first.editor
        span.editor = None
    span.lines_added = sum(b.lines_added for b in run)
    span.lines_deleted = sum(b.lines_deleted for b in run)
    return span
