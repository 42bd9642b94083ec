"""WakaTime data dumps: ``{"user": {...}, "range": {...}, "days": [{"date", "heartbeats"}]}``.

Every heartbeat of a dump is stored as it is (the store's heartbeat table, sources
``wakatime:editor`` and ``wakatime:browser`` on the heartbeat's machine) and joined with
WakaTime's rule for durations, whatever was imported before: per machine and source, sorted by
time, the time from a heartbeat to the next one counts for the earlier heartbeat when the gap
is below the timeout (15 minutes by default), and not at all otherwise, so a lone heartbeat, or
the last before a break, counts zero. Consecutive heartbeats of the same activity (project,
entity, type, category, language, branch, editor) join into one span. Dumps that overlap, or
split one history, give the same spans in any order; a heartbeat in two dumps counts once.

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
    ImportResult,
    Progress,
    check,
    expect,
    load_json,
    require,
    schema,
)
from desktop.engine.span import Span
from desktop.engine.store import beats as beatlib
from desktop.engine.timeline import covered

DEFAULT_TIMEOUT_MINUTES = 15.0
SOURCES = (beatlib.IMPORTED_PREFIX + "editor", beatlib.IMPORTED_PREFIX + "browser")
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


def read_heartbeats(path: Path, data: Any = None) -> list[Heartbeat]:
    """Every heartbeat in the dump, checked; a broken one raises ImportFormatError."""
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
    return beats


def read(path: Path, timeout_minutes: float = DEFAULT_TIMEOUT_MINUTES,
         data: Any = None) -> list[Span]:
    """The spans of this dump alone (nothing stored): those an import into an empty store
    makes."""
    beats = read_heartbeats(path, data)
    by_origin: dict[tuple[str, str], list[Heartbeat]] = {}
    for beat in beats:
        by_origin.setdefault((_source(beat), beat.machine), []).append(beat)
    spans: list[Span] = []
    for (source, machine), mine in by_origin.items():
        stored = []
        for i, beat in enumerate(mine):
            stored.append(_stored_one(beat)[0])
            stored[-1].activity = i  # the heartbeat whose fields its span takes
        for run in beatlib.runs(sorted(stored, key=lambda b: (b.time, b.key)),
                                timeout_minutes * 60.0):
            if run.end > run.start and run.activity is not None:
                spans.append(Span(run.start, run.end, source, machine,
                                  beatlib.span_uuid(machine, source, run.start, run.key),
                                  **_fields(mine[run.activity]), lines_added=run.added,
                                  lines_deleted=run.deleted))
    return sorted(spans, key=lambda s: s.start)


def import_into(store: Any, path: Path, data: Any = None,
                timeout_minutes: float = DEFAULT_TIMEOUT_MINUTES,
                progress: Progress | None = None) -> ImportResult:
    """Store the dump's heartbeats in `store` (a Store) and re-join the spans around them, in
    one transaction. The result counts heartbeats, and the time of the spans they are in."""
    beats = read_heartbeats(path, data)
    timeout = timeout_minutes * 60.0
    items = [(_source(b), *_stored_one(b)) for b in beats]
    if progress:
        progress(0, len(items))
    span_ids, new = store.add_heartbeats(items, dict.fromkeys(SOURCES, timeout), progress)
    ids = {u for u in span_ids if u is not None}
    spans = [(s.start, s.end) for s in store.spans(min(b.time for b in beats),
                                                   max(b.time for b in beats) + timeout)
             if s.uuid in ids] if beats else []
    return ImportResult("wakatime", len(beats), sum(new), covered(spans), unit="heartbeats")


def _source(beat: Heartbeat) -> str:
    return SOURCES[1] if beat.type in _BROWSER_TYPES else SOURCES[0]


def _stored_one(beat: Heartbeat) -> tuple[beatlib.Beat, Span]:
    """The heartbeat's stored form and the span it would start."""
    stored = beatlib.Beat(beat.time, beatlib.hash64(beat.key), None, beat.lines_added,
                          beat.lines_deleted, beatlib.hash64((beat.time, beat.key)))
    return stored, Span(beat.time, beat.time, _source(beat), beat.machine, "", **_fields(beat))


def _fields(beat: Heartbeat) -> dict[str, Any]:
    """The descriptive Span fields of a heartbeat."""
    fields: dict[str, Any] = {"project": beat.project, "branch": beat.branch,
                              "language": beat.language, "editor": beat.editor}
    if beat.type == "file":
        fields["file"] = beat.entity
    elif beat.type == "url":
        fields["url"] = beat.entity
    elif beat.type == "domain":
        fields["site"] = beat.entity
    else:  # "app" and anything newer: the entity names the application
        fields["app"] = beat.entity
    if beat.type in _BROWSER_TYPES and beat.editor in _WEB_EDITORS:
        fields.update(browser=beat.editor, editor=None)
    return fields
