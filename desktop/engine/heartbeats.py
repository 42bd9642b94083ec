"""WakaTime heartbeats: parsing, validation and joining into spans. Plain Python, no HTTP.

A heartbeat says "at `time` I was on `entity`". WakaTime turns them into durations by joining
consecutive heartbeats less than a timeout apart (15 minutes by default): the time between two
heartbeats belongs to the earlier one, a lone heartbeat counts nothing. The store keeps every
heartbeat and joins them (desktop.engine.store.beats), whatever order they arrive in; this module
parses and validates them and says what each one is.
"""

from __future__ import annotations

import functools
import math
import re
import time as timelib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from desktop.engine.span import Span
from desktop.engine.store.beats import STOP, TIMEOUTS, Beat, hash64

WAKATIME_TIMEOUT = TIMEOUTS["editor"]
# Accepted heartbeat times, relative to now (offline queues send old ones; clocks drift a bit).
MAX_AGE = 366 * 86400.0
MAX_AHEAD = 600.0  # clock skew tolerated between a client and us

TYPES = ("file", "domain", "url", "app")
CATEGORIES = (
    "coding", "building", "indexing", "debugging", "browsing", "running tests", "writing tests",
    "manual testing", "writing docs", "communicating", "code reviewing", "researching",
    "learning", "designing", "meeting", "planning", "ai coding", "supporting", "advising",
    "translating",
)
MAX_TEXT = 4096
MAX_DEPENDENCIES = 200
UNKNOWN_EDITOR = "Unknown Editor"  # WakaTime's name for heartbeats without a plugin



class HeartbeatError(ValueError):
    """A heartbeat that cannot be accepted; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# -- the user agent ------------------------------------------------------------------------------

# WakaTime's own editor names for the plugin prefixes that differ from them.
EDITOR_NAMES = {
    "vim": "Vim", "neovim": "Neovim", "nvim": "Neovim", "vscode": "VS Code", "code": "VS Code",
    "vscodium": "VSCodium", "sublime": "Sublime Text", "sublime_text": "Sublime Text",
    "emacs": "Emacs", "atom": "Atom", "jetbrains": "JetBrains", "idea": "IntelliJ IDEA",
    "intellijidea": "IntelliJ IDEA", "pycharm": "PyCharm", "webstorm": "WebStorm",
    "goland": "GoLand", "clion": "CLion", "rider": "Rider", "rubymine": "RubyMine",
    "phpstorm": "PhpStorm", "datagrip": "DataGrip", "androidstudio": "Android Studio",
    "studio": "Android Studio", "xcode": "Xcode", "zed": "Zed", "helix": "Helix",
    "kakoune": "Kakoune", "cursor": "Cursor", "eclipse": "Eclipse", "jupyter": "Jupyter",
    "terminal": "Terminal", "chrome": "Chrome", "firefox": "Firefox", "edge": "Edge",
    "brave": "Brave", "safari": "Safari",
}
OS_NAMES = {"linux": "Linux", "darwin": "Mac", "macos": "Mac", "windows": "Windows",
            "win32": "Windows", "freebsd": "FreeBSD", "openbsd": "OpenBSD"}
_TOKEN = re.compile(r"\(([^)]*)\)|(\S+)")


@dataclass(frozen=True, slots=True)
class UserAgent:
    """What a WakaTime User-Agent says: the editor, its plugin, the OS and the CLI."""

    editor: str | None = None
    editor_version: str | None = None
    plugin: str | None = None
    plugin_version: str | None = None
    os: str | None = None
    cli_version: str | None = None


def _editor_name(raw: str) -> str:
    key = raw.lower().replace(" ", "").replace("-", "")
    return EDITOR_NAMES.get(key, raw)


@functools.lru_cache(maxsize=1024)  # a plugin sends the same one with every heartbeat
def parse_user_agent(text: str | None) -> UserAgent:
    """Parse e.g. ``wakatime/13.1.0 (Linux-6.1-x86_64) Python3.11 vim/9.0 vim-wakatime/10.0``
    or ``wakatime/v1.73.0 (darwin-23.1.0-arm64) go1.21.5 vscode/1.85.1 vscode-wakatime/24.4.0``
    or a bare plugin string ``neovim/0.9.4 vim-wakatime/11.1.1``."""
    if not text:
        return UserAgent()
    tokens: list[tuple[str, str | None]] = []  # (name, version) or ("(", platform)
    os_name = None
    for paren, word in _TOKEN.findall(text[:1024]):
        if paren:
            os_name = os_name or OS_NAMES.get(re.split(r"[-_ ;/]", paren.strip())[0].lower())
            continue
        name, _, version = word.partition("/")
        tokens.append((name, version or None))
    cli = plugin = editor = None
    for i, (name, version) in enumerate(tokens):
        low = name.lower()
        if low == "wakatime" and cli is None and i == 0:
            cli = version
        elif low.endswith("-wakatime") or (low.startswith("wakatime-") and i > 0):
            plugin = (name, version)
            if i > 0 and tokens[i - 1][1] and tokens[i - 1][0].lower() != "wakatime" and not \
                    re.match(r"^(python|go)\d", tokens[i - 1][0].lower()):
                editor = tokens[i - 1]
            break
    if editor is None and plugin is not None:
        prefix = re.sub(r"^wakatime-|-wakatime$", "", plugin[0], flags=re.I)
        editor = (prefix, None)
    if editor is None and not plugin:  # no plugin token: a known editor's name/version
        for name, version in reversed(tokens):
            if name.lower().replace("-", "") in EDITOR_NAMES:
                editor = (name, version)
                break
    return UserAgent(
        editor=_editor_name(editor[0]) if editor else None,
        editor_version=editor[1] if editor else None,
        plugin=plugin[0] if plugin else None, plugin_version=plugin[1] if plugin else None,
        os=os_name, cli_version=cli)


# -- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """One validated heartbeat. The last four fields are ours (the browser extension's)."""

    entity: str
    time: float
    type: str = "file"
    category: str = "coding"
    project: str | None = None
    branch: str | None = None
    language: str | None = None
    is_write: bool = False
    lines: int | None = None
    lineno: int | None = None
    cursorpos: int | None = None
    line_additions: int | None = None
    line_deletions: int | None = None
    dependencies: tuple[str, ...] = ()
    user_agent: str | None = None
    title: str | None = None
    browser: str | None = None
    audible: bool = False
    private: bool = False

    @property
    def identity(self) -> tuple:
        """Equal identities are the same heartbeat sent twice."""
        return (round(self.time, 6), self.entity, self.type, self.category, self.project,
                self.branch, self.language, self.is_write, self.line_additions,
                self.line_deletions, self.title, self.private)

    def to_dict(self) -> dict[str, Any]:
        """WakaTime's JSON shape (as the API echoes it back)."""
        return {
            "entity": self.entity, "type": self.type, "category": self.category,
            "time": self.time, "project": self.project, "branch": self.branch,
            "language": self.language, "is_write": self.is_write, "lines": self.lines,
            "lineno": self.lineno, "cursorpos": self.cursorpos,
            "line_additions": self.line_additions, "line_deletions": self.line_deletions,
            "dependencies": list(self.dependencies), "user_agent": self.user_agent,
        }


def _text(data: Mapping[str, Any], name: str, *, required: bool = False,
          limit: int = MAX_TEXT) -> str | None:
    value = data.get(name)
    if value is None or (value == "" and not required):
        if required:
            raise HeartbeatError(name, "is required")
        return None
    if not isinstance(value, str):
        raise HeartbeatError(name, f"expected a string, got {type(value).__name__}")
    if required and not value.strip():
        raise HeartbeatError(name, "must not be empty")
    if len(value) > limit:
        raise HeartbeatError(name, f"longer than {limit} characters")
    return checked_text(name, value)


def checked_text(name: str, value: str) -> str:
    """`value`, if it can be stored: UTF-8 (no lone surrogate, which JSON's \\ud800 escapes
    allow) and no NUL; else HeartbeatError naming the field."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise HeartbeatError(name, f"not valid Unicode text (a lone surrogate at "
                                       f"character {exc.start})") from None
    if "\x00" in value:
        raise HeartbeatError(name, "contains a NUL character")
    return value


def _number(data: Mapping[str, Any], name: str, *, integer: bool,
            minimum: float | None = 0) -> float | int | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise HeartbeatError(name, f"expected a number, got {value!r}")
    if isinstance(value, str):  # WakaTime clients may send numbers as strings
        try:
            value = float(value.strip())
        except ValueError:
            raise HeartbeatError(name, f"expected a number, got {value[:40]!r}") from None
    if not isinstance(value, int | float):
        raise HeartbeatError(name, f"expected a number, got {type(value).__name__}")
    if isinstance(value, int) and abs(value) > 2**53:
        raise HeartbeatError(name, "out of range")
    if not math.isfinite(value):
        raise HeartbeatError(name, "must be a finite number")
    if integer:
        if value != int(value):
            raise HeartbeatError(name, f"expected a whole number, got {value!r}")
        value = int(value)
        if abs(value) > 2**53:
            raise HeartbeatError(name, "out of range")
    if minimum is not None and value < minimum:
        raise HeartbeatError(name, f"must be at least {minimum:g}, got {value!r}")
    return value


def _flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", ""):
        return value.strip().lower() in ("true", "1")
    raise HeartbeatError(name, f"expected true or false, got {str(value)[:40]!r}")


def _dependencies(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise HeartbeatError("dependencies", "expected a list of strings")
    if len(value) > MAX_DEPENDENCIES:
        raise HeartbeatError("dependencies", f"more than {MAX_DEPENDENCIES} entries")
    out = []
    for i, dep in enumerate(value):
        if not isinstance(dep, str):
            raise HeartbeatError(f"dependencies[{i}]", "expected a string")
        if len(dep) > 512:
            raise HeartbeatError(f"dependencies[{i}]", "longer than 512 characters")
        checked_text(f"dependencies[{i}]", dep)
        if dep.strip():
            out.append(dep.strip())
    return tuple(out)


def parse_heartbeat(data: Any, *, user_agent: str | None = None,
                    now: float | None = None) -> Heartbeat:
    """Validate one heartbeat object. Raises HeartbeatError naming the field at fault.

    Numbers may come as strings; `user_agent` (the request's) applies when the heartbeat has
    none; `timestamp` and `entity_type` are accepted as WakaTime's older names."""
    if not isinstance(data, Mapping):
        raise HeartbeatError("heartbeat", f"expected a JSON object, got {type(data).__name__}")
    data = dict(data)
    if data.get("time") is None and data.get("timestamp") is not None:
        data["time"] = data["timestamp"]
    if data.get("type") is None and data.get("entity_type") is not None:
        data["type"] = data["entity_type"]
    entity = _text(data, "entity", required=True)
    assert entity is not None
    when = _number(data, "time", integer=False, minimum=None)
    if when is None:
        raise HeartbeatError("time", "is required (seconds since 1970, UTC)")
    when = float(when)
    if when > 1e11:  # milliseconds by mistake
        raise HeartbeatError("time", f"{when:g} is not in seconds since 1970")
    now = timelib.time() if now is None else now
    if when > now + MAX_AHEAD:
        raise HeartbeatError("time", f"{when:.0f} is in the future (now is {now:.0f}; "
                                     f"{MAX_AHEAD / 60:.0f} minutes ahead are allowed for "
                                     f"clock skew)")
    if when < now - MAX_AGE:
        raise HeartbeatError("time", f"{when:.0f} is more than {MAX_AGE / 86400:.0f} days ago")
    kind = (_text(data, "type", limit=16) or "file").lower()
    if kind not in TYPES:
        raise HeartbeatError("type", f"must be one of {', '.join(TYPES)}, got {kind!r}")
    category = (_text(data, "category", limit=32) or "coding").lower()
    if category not in CATEGORIES:
        raise HeartbeatError("category", f"unknown category {category!r}")
    ints = {name: _number(data, name, integer=True) for name in
            ("lines", "lineno", "cursorpos", "line_additions", "line_deletions")}
    return Heartbeat(
        entity=entity, time=when, type=kind, category=category,
        project=_text(data, "project", limit=512), branch=_text(data, "branch", limit=512),
        language=_text(data, "language", limit=128), is_write=_flag(data, "is_write"),
        dependencies=_dependencies(data.get("dependencies")),
        user_agent=_text(data, "user_agent", limit=1024) or user_agent,
        title=_text(data, "title"), browser=_text(data, "browser", limit=64),
        audible=_flag(data, "audible"), private=_flag(data, "private"),
        **ints,  # type: ignore[arg-type]
    )


def parse_heartbeats(items: Any, *, user_agent: str | None = None, now: float | None = None,
                     limit: int = 1000) -> list[Heartbeat | HeartbeatError]:
    """A bulk array: each element parsed on its own; errors come back in place, prefixed
    with the element's index."""
    if not isinstance(items, list):
        raise HeartbeatError("body", f"expected a JSON array, got {type(items).__name__}")
    if len(items) > limit:
        raise HeartbeatError("body", f"more than {limit} heartbeats in one request")
    out: list[Heartbeat | HeartbeatError] = []
    for i, item in enumerate(items):
        try:
            out.append(parse_heartbeat(item, user_agent=user_agent, now=now))
        except HeartbeatError as exc:
            out.append(HeartbeatError(f"[{i}].{exc.field}", exc.message))
    return out


# -- heartbeats to spans ---------------------------------------------------------------------


def site_of(url: str) -> str | None:
    """The host of a URL (or of a bare domain), lower case, without a leading ``www.``."""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def span_fields(beat: Heartbeat, agent: UserAgent | None = None) -> dict[str, Any]:
    """The descriptive Span fields of a heartbeat."""
    agent = agent or parse_user_agent(beat.user_agent)
    fields: dict[str, Any] = {
        "project": beat.project, "branch": beat.branch, "language": beat.language,
        "private": beat.private, "audible": beat.audible,
    }
    if beat.type == "file":
        editor = agent.editor or UNKNOWN_EDITOR
        fields.update(file=beat.entity, editor=editor, app=editor)
    elif beat.type in ("url", "domain"):
        fields.update(url=beat.entity if beat.type == "url" else None,
                      site=site_of(beat.entity), title=beat.title,
                      browser=beat.browser or agent.editor, app=beat.browser or agent.editor)
        if beat.browser is None and beat.category != "browsing":
            fields["editor"] = agent.editor
    else:  # app
        fields.update(app=beat.entity, title=beat.title, editor=agent.editor)
    if beat.private:  # incognito: that it happened, nothing of what
        fields.update(url=None, title=None, site=None, file=None)
    return fields


def source_of(beat: Heartbeat) -> str:
    return "browser" if beat.browser or beat.category == "browsing" else "editor"


def join_key(beat: Heartbeat, agent: UserAgent) -> tuple:
    """What must be equal for consecutive heartbeats to continue one span."""
    return (beat.type, beat.entity, beat.category, beat.project, beat.branch, beat.language,
            agent.editor, beat.title, beat.browser, beat.audible, beat.private)


_described: dict[tuple, tuple[str, int, dict[str, Any]]] = {}  # join key -> what it says


def prepare(beat: Heartbeat, device: str) -> tuple[str, Beat, Span]:
    """A heartbeat's stream (source), its stored form (without an activity yet) and the span
    it would start (to name, redact and intern its activity)."""
    agent = parse_user_agent(beat.user_agent)
    key = join_key(beat, agent)
    known = _described.get(key)
    if known is None:  # a plugin sends the same file, project... over and over
        if len(_described) >= 4096:
            _described.clear()
        known = _described[key] = (source_of(beat), hash64(key), span_fields(beat, agent))
    source, key_hash, fields = known
    stored = Beat(beat.time, key_hash, None, beat.line_additions or 0,
                  beat.line_deletions or 0, hash64((source, *beat.identity)))
    return source, stored, Span(beat.time, beat.time, source, device, "", **fields)


def stop(source: str, when: float) -> Beat:
    """A marker: `source`'s stream stopped at `when` (its span ends there)."""
    return Beat(when, STOP, None, ident=hash64(("stop", source, when)))


def line_changes(spans: Iterable[Span]) -> dict[tuple[str | None, str | None], tuple[int, int]]:
    """Lines (added, deleted) per (project, file)."""
    out: dict[tuple[str | None, str | None], tuple[int, int]] = {}
    for span in spans:
        if span.lines_added or span.lines_deleted:
            added, deleted = out.get((span.project, span.file), (0, 0))
            out[(span.project, span.file)] = (added + span.lines_added,
                                              deleted + span.lines_deleted)
    return out
