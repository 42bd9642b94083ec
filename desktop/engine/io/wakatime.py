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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from desktop.engine.io.common import ImportFormatError, expect, import_uuid, load_json, require
from desktop.engine.span import Span

DEFAULT_TIMEOUT_MINUTES = 15.0
_PLUGIN = re.compile(r"(?:^|\s)([A-Za-z0-9_.]+?)-wakatime/", re.IGNORECASE)
_AFTER_RUNTIME = re.compile(r"\)\s+(?:go[\d.]+\s+)?([A-Za-z][\w.-]*)/")
_BROWSER_TYPES = {"domain", "url"}
_WEB_EDITORS = {"chrome", "firefox", "edge", "brave", "opera", "safari", "browser"}


@dataclass(frozen=True, slots=True)
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


def _heartbeat(path: Path, where: str, raw: Any, agents: dict[str, dict],
               machines: dict[str, dict]) -> Heartbeat:
    expect(path, where, raw, dict)
    t = require(path, where, raw, "time", float)
    entity = require(path, where, raw, "entity", str)
    kind = require(path, where, raw, "type", str, optional=True) or "file"
    category = require(path, where, raw, "category", str, optional=True) or "coding"
    project = require(path, where, raw, "project", str, optional=True) or None
    branch = require(path, where, raw, "branch", str, optional=True) or None
    language = require(path, where, raw, "language", str, optional=True) or None
    for name in ("is_write",):
        require(path, where, raw, name, bool, optional=True)
    for name in ("lines", "lineno", "cursorpos"):
        require(path, where, raw, name, int, optional=True)
    added = require(path, where, raw, "line_additions", int, optional=True) or 0
    deleted = require(path, where, raw, "line_deletions", int, optional=True) or 0
    agent_id = require(path, where, raw, "user_agent_id", (str, int), optional=True)
    agent = require(path, where, raw, "user_agent", str, optional=True)
    if agent is None and agent_id is not None and str(agent_id) in agents:
        known = agents[str(agent_id)]
        agent = known.get("value") if isinstance(known.get("value"), str) else None
        editor = known.get("editor") if isinstance(known.get("editor"), str) else None
        editor = editor.lower() if editor else editor_of(agent)
    else:
        editor = editor_of(agent)
    machine_id = require(path, where, raw, "machine_name_id", (str, int), optional=True)
    machine = ""
    if machine_id is not None:
        named = machines.get(str(machine_id), {})
        machine = named.get("name") if isinstance(named.get("name"), str) else str(machine_id)
    key = (project, entity, kind, category, language, branch, editor, machine)
    return Heartbeat(float(t), key, entity, kind, project, branch, language, editor, machine,
                     added, deleted)


def read(path: Path, timeout_minutes: float = DEFAULT_TIMEOUT_MINUTES,
         data: Any = None) -> list[Span]:
    data = load_json(path) if data is None else data
    expect(path, "the top level", data, dict)
    days = require(path, "the top level", data, "days", list)
    agents = _lookup(path, data, "user_agents")
    machines = _lookup(path, data, "machines")
    beats: list[Heartbeat] = []
    for d, day in enumerate(days):
        where = f"days[{d}]"
        expect(path, where, day, dict)
        stamp = require(path, where, day, "date", str)
        try:
            date.fromisoformat(stamp)
        except ValueError:
            raise ImportFormatError(path, f"not a date (YYYY-MM-DD): {stamp!r}",
                                    f"{where}.date") from None
        for h, raw in enumerate(require(path, where, day, "heartbeats", list)):
            beats.append(_heartbeat(path, f"{where}.heartbeats[{h}]", raw, agents, machines))
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
