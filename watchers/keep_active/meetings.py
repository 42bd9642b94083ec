"""Is the focused window a call: a meeting app, a meeting page, a screen share?

A meeting app is one whose `.desktop` entry lists the freedesktop category `VideoConference`
or `Telephony` (Linux), or one the table below names (macOS and Windows have no such
category; the table is also the override where an entry says nothing). A meeting page is a
URL of a meeting (Google Meet, Teams, Zoom's web client, Jitsi, a Slack huddle, Whereby) or,
for chat apps that are calls only sometimes (Slack, Discord), a title saying a call is on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path

from watchers.apps.xdg import application_dirs

MEETING_CATEGORIES = {"VideoConference", "Telephony"}
# Apps that are a call while focused (lower-case names their windows go by).
MEETING_APPS = frozenset({"zoom", "zoom.us", "zoom workplace", "teams", "ms-teams",
                          "microsoft teams", "teams-for-linux", "webex", "ciscowebex",
                          "skype", "jitsi meet", "facetime", "gotomeeting"})
# A meeting's URL, compiled on first use (re's cache): only a browser's window has a URL.
MEETING_URL = (
    r"(?i)^https?://(?:meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}"
    r"|teams\.(?:microsoft|live)\.com/.*(?:meetup-join|/meet|pre-join|calling)"
    r"|[\w.-]*zoom\.us/(?:wc|j|my)/"
    r"|meet\.jit\.si/[^/?#]+"
    r"|app\.slack\.com/huddle/"
    r"|whereby\.com/[^/?#]+"
    r"|[\w.-]*webex\.com/(?:meet|join|wbxmjs)"
    r")")
# Titles of a call in an app that is not always one.
CALL_TITLE = re.compile(r"\bhuddle\b|voice connected|\bzoom meeting\b", re.I)
# Windows shown only while sharing the screen (Zoom's toolbar, browsers' sharing bars).
SHARE_TITLE = re.compile(r"is sharing (?:your screen|a window|this tab)|you are screen sharing|"
                         r"zoom share toolbar|as_toolbar|sharing indicator|screen sharing", re.I)


class DesktopCategories:
    """App names whose `.desktop` entry is a meeting app, rescanned at most every `recheck`."""

    def __init__(self, recheck: float = 60.0) -> None:
        self.recheck = recheck
        self._names: frozenset[str] = frozenset()
        self._read_at: float | None = None

    def names(self) -> frozenset[str]:
        now = time.monotonic()
        if self._read_at is None or now - self._read_at >= self.recheck:
            self._names, self._read_at = _scan(), now
        return self._names


def _may_be_a_call(path: Path) -> bool:
    """Does the file name a meeting category at all? (Only those are parsed: pyxdg costs
    ~5 ms of a start to import, and most desktops have no meeting app.)"""
    try:
        text = path.read_bytes()
    except OSError:
        return False
    return any(category.encode() in text for category in MEETING_CATEGORIES)


def _scan() -> frozenset[str]:
    paths = [path for folder in application_dirs() if folder.is_dir()
             for path in folder.glob("*.desktop") if _may_be_a_call(path)]
    if not paths:
        return frozenset()
    from xdg.DesktopEntry import DesktopEntry
    from xdg.Exceptions import ParsingError

    from watchers.apps.xdg import program_of

    names: set[str] = set()
    for path in paths:
        try:
            entry = DesktopEntry(str(path))
        except (ParsingError, OSError, UnicodeDecodeError, ValueError):
            continue
        if not MEETING_CATEGORIES & set(entry.getCategories()):
            continue
        app_id = path.name.removesuffix(".desktop")
        names.update({app_id.lower(), app_id.rsplit(".", 1)[-1].lower()})
        for raw in (entry.getStartupWMClass(), program_of(entry.getExec())):
            if raw:
                names.add(raw.lower())
    return frozenset(names)


def is_meeting(names: Iterable[str], url: str | None, title: str | None,
               desktop: Iterable[str] = (), extra: Iterable[re.Pattern[str]] = ()) -> bool:
    """A meeting app (by `names`: the table, the `.desktop` names, the user's patterns),
    a meeting page (`url`) or a call's title."""
    names = [n.lower() for n in names if n]
    desktop = set(desktop)
    if any(n in MEETING_APPS or n in desktop for n in names):
        return True
    if any(p.search(n) for p in extra for n in names):
        return True
    if url and re.match(MEETING_URL, url):
        return True
    return bool(title and CALL_TITLE.search(title))


def is_screen_share(title: str | None) -> bool:
    return bool(title and SHARE_TITLE.search(title))
