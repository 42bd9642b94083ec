"""Browsers: recognizing them, reading the tab title out of the window title, private
windows, and the seam for exact URLs.

Window titles are "<tab title> - Google Chrome", "<tab title> — Mozilla Firefox",
"<tab title> - Personal - Microsoft​ Edge" (with a zero-width space), "<tab title>" alone on
macOS... `parse_browser_title` strips the browser and profile parts and spots private
windows ("(Incognito)", "Private Browsing", "InPrivate", "Private").

Exact URLs come from `UrlProvider`s, consulted before the title: `ReportedTabs` receives
what the browser extension reports through the local API; `AppleScriptUrlProvider` asks
Safari and the Chromium browsers on macOS through osascript (in a background thread, never
on the polling path; it needs the Automation permission). On Windows, UI Automation could
read the address bar (the "Address and search bar" edit control of the focused window);
a provider doing so registers itself with `register_url_provider` like any other.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from functools import lru_cache
from typing import Protocol

from watchers.editors import clip, first_known
from watchers.records import Frozen
from watchers.window.base import WindowInfo


class BrowserSpec(Frozen):
    __slots__ = ("name", "ids", "brand")  # noqa: RUF023

    name: str
    ids: frozenset[str]
    brand: str  # regex of the browser's name in its titles

    def __init__(self, name: str, ids: frozenset[str], brand: str) -> None:
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "ids", ids)
        set_(self, "brand", brand)


def _spec(name: str, ids: str, brand: str, *apps: str) -> BrowserSpec:
    """`ids`: space-separated one-word names; `apps`: application names with spaces."""
    return BrowserSpec(name, frozenset(ids.split()) | {a.lower() for a in apps}, brand)


BROWSERS: tuple[BrowserSpec, ...] = (
    _spec("Chrome", "google-chrome google-chrome-stable google-chrome-beta google-chrome-unstable "
          "chrome chrome.exe com.google.chrome",
          r"Google Chrome(?: (?:Beta|Dev|Canary|for Testing))?", "Google Chrome"),
    _spec("Chromium", "chromium chromium-browser chromium.exe org.chromium.chromium", "Chromium"),
    _spec("Brave", "brave-browser brave brave.exe com.brave.browser",
          r"Brave(?: Browser)?", "Brave Browser"),
    _spec("Edge", "microsoft-edge microsoft-edge-stable microsoft-edge-beta msedge msedge.exe "
          "com.microsoft.edgemac", r"Microsoft Edge(?: (?:Beta|Dev|Canary))?", "Microsoft Edge"),
    _spec("Firefox", "firefox firefox-esr firefox.exe navigator org.mozilla.firefox "
          "firefox-developer-edition firefox-nightly librewolf",
          r"Mozilla Firefox|Firefox(?: Developer Edition| Nightly)?|LibreWolf"),
    _spec("Safari", "safari com.apple.safari", "Safari"),
    _spec("Opera", "opera opera.exe com.operasoftware.opera",
          r"Opera(?: GX)?", "Opera GX"),
    _spec("Vivaldi", "vivaldi vivaldi-stable vivaldi-bin vivaldi.exe com.vivaldi.vivaldi",
          "Vivaldi"),
)

_BY_ID = {i: spec for spec in BROWSERS for i in spec.ids}


def browser_for(candidates: list[str]) -> BrowserSpec | None:
    return first_known(_BY_ID, candidates)


class TabTitle(Frozen):
    __slots__ = ("page", "private", "audible")  # noqa: RUF023

    page: str | None  # None for private windows and empty ones
    private: bool
    audible: bool | None

    def __init__(self, page: str | None, private: bool = False,
                 audible: bool | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "page", page)
        set_(self, "private", private)
        set_(self, "audible", audible)


_PRIVATE = re.compile(r"\b(?:incognito|inprivate|private(?: browsing| with tor)?)\b",
                      re.IGNORECASE)
_SEP = r"\s+[-—–]\s+"
# Segments browsers put between the tab title and their name: states and profiles.
_STATE_SEGMENT = re.compile(
    rf"{_SEP}(?P<seg>\[?InPrivate\]?|Private(?: Browsing| with Tor)?|Incognito|Guest|"
    r"Audio playing|Playing audio|Muted|Recording|Camera (?:or microphone )?recording|"
    r"Microphone recording|Network error|Personal|Work|School|Default|Profile \d+|"
    r"Person \d+)$")
_MORE_PAGES = re.compile(r"\s+and \d+ more pages?$")
_NEW_TAB = re.compile(r"^(?:New Tab|New tab|New Private Tab|New Incognito Tab|"
                      r"Private Browsing|Start Page|Speed Dial|Untitled)$")


@lru_cache(maxsize=64)
def _brand_pattern(brand: str) -> re.Pattern[str]:
    post = r"(?:\s*\([^()]*\)|\s+Private Browsing|" + _SEP + r"[^-—–]+)*"
    return re.compile(rf"^(?P<page>.*?)(?:^|{_SEP})(?:{brand})(?P<post>{post})\s*$")


@lru_cache(maxsize=2048)
def parse_browser_title(spec: BrowserSpec, title: str) -> TabTitle:
    """The tab title in a browser window title, and whether the window is private."""
    text = re.sub("[\u200b\u200e\u200f]", "", clip(title)).strip()
    private = False
    m = re.match(rf"^(?:\[InPrivate\]\s*|InPrivate{_SEP})", text)
    if m:
        private, text = True, text[m.end():]
    m = _brand_pattern(spec.brand).match(text)
    if m:
        text = m.group("page").strip()
        private = private or bool(_PRIVATE.search(m.group("post")))
    audible: bool | None = None
    while True:
        seg = _STATE_SEGMENT.search(text)
        if seg is None:
            break
        word = seg.group("seg")
        if _PRIVATE.search(word):
            private = True
        elif word in ("Audio playing", "Playing audio"):
            audible = True
        text = text[:seg.start()].strip()
    text = _MORE_PAGES.sub("", text).strip()
    if private:
        return TabTitle(None, private=True)
    return TabTitle(text or None, audible=audible)


def is_blank_page(page: str) -> bool:
    return bool(_NEW_TAB.match(page))


# ---- Exact URLs -----------------------------------------------------------------------

class TabUrl(Frozen):
    __slots__ = ("url", "title", "private")  # noqa: RUF023

    url: str
    title: str | None
    private: bool | None

    def __init__(self, url: str, title: str | None = None, private: bool | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "url", url)
        set_(self, "title", title)
        set_(self, "private", private)


class UrlProvider(Protocol):
    """Knows the exact URL of the focused tab for some browsers."""

    name: str

    def url_for(self, browser: str, window: WindowInfo, page: str | None) -> TabUrl | None:
        """The focused tab of `browser` whose window is `window` (tab title `page`)."""


_providers: list[UrlProvider] = []


def register_url_provider(provider: UrlProvider) -> None:
    """Make inference consult `provider` (providers registered first are asked first)."""
    if provider not in _providers:
        _providers.append(provider)


def unregister_url_provider(provider: UrlProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def url_providers() -> tuple[UrlProvider, ...]:
    return tuple(_providers)


class ReportedTabs:
    """The focused tab each browser reported last (the extension posts these through the
    local API). A report is used while it is fresh and its title matches the window's."""

    name = "extension"

    def __init__(self, max_age: float = 30.0) -> None:
        self.max_age = max_age
        self._tabs: dict[str, tuple[float, TabUrl]] = {}
        self._lock = threading.Lock()

    def report(self, browser: str, url: str, title: str | None = None,
               private: bool | None = None, at: float | None = None) -> None:
        with self._lock:
            self._tabs[browser] = (time.monotonic() if at is None else at,
                                   TabUrl(url, title, private))

    def url_for(self, browser: str, window: WindowInfo, page: str | None) -> TabUrl | None:
        """The tab `browser` reported; else, since a browser may call itself otherwise than
        its window does (Vivaldi and Thorium say "Chromium"), the one fresh tab whose title is
        the window's page title."""
        now = time.monotonic()
        with self._lock:
            fresh = {name: tab for name, (at, tab) in self._tabs.items()
                     if now - at <= self.max_age}
        tab = fresh.get(browser)
        if tab is None:
            same = [t for t in fresh.values() if page and t.title and t.title.strip() ==
                    page.strip()]
            return same[0] if len(same) == 1 else None
        if tab.title is not None and page is not None and tab.title.strip() != page.strip():
            return None
        return tab


# ---- macOS: AppleScript ----------------------------------------------------------------

_APP_NAMES = {"Safari": "Safari", "Chrome": "Google Chrome", "Chromium": "Chromium",
              "Brave": "Brave Browser", "Edge": "Microsoft Edge", "Vivaldi": "Vivaldi",
              "Opera": "Opera"}


def applescript_for(browser: str) -> str | None:
    """The script printing "url\\ntitle[\\nmode]" for the front tab of `browser`."""
    app = _APP_NAMES.get(browser)
    if app is None:
        return None
    if browser == "Safari":
        return (f'tell application "{app}" to if (count of windows) > 0 then return '
                "(URL of current tab of front window) & linefeed & "
                "(name of current tab of front window)")
    return (f'tell application "{app}" to if (count of windows) > 0 then return '
            "(URL of active tab of front window) & linefeed & "
            "(title of active tab of front window) & linefeed & (mode of front window)")


def parse_applescript_output(stdout: str) -> TabUrl | None:
    """Read osascript's answer: URL, title and (Chromium browsers) "normal"/"incognito"."""
    lines = stdout.rstrip("\n").split("\n")
    url = lines[0].strip() if lines else ""
    if not url or url == "missing value":
        return None
    title = lines[1].strip() if len(lines) > 1 and lines[1].strip() != "missing value" else None
    private = None
    if len(lines) > 2 and lines[2].strip():
        private = lines[2].strip().lower() == "incognito"
    return TabUrl(url, title or None, private)


def applescript_error(stderr: str) -> str | None:
    """A plain message for osascript's failures (missing Automation permission...)."""
    if "-1743" in stderr or "Not authorized" in stderr:
        return "macOS Automation permission missing: allow TimeForged to control the browser"
    if "-1728" in stderr or "-600" in stderr:
        return None  # no window / app not running: nothing to say
    return stderr.strip().splitlines()[-1] if stderr.strip() else None


class AppleScriptUrlProvider:
    """Front tab URLs on macOS via osascript, run in a background thread whenever the tab
    title changes; `url_for` only ever reads the cache."""

    name = "applescript"

    def __init__(self, run=None) -> None:  # type: ignore[no-untyped-def]
        self._run = run or _run_osascript
        self._cache: dict[tuple[str, str | None], TabUrl | None] = {}
        self._pending: set[tuple[str, str | None]] = set()
        self._lock = threading.Lock()
        self.last_error: str | None = None

    def url_for(self, browser: str, window: WindowInfo, page: str | None) -> TabUrl | None:
        script = applescript_for(browser)
        if script is None:
            return None
        key = (browser, page)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            if key in self._pending:
                return None
            self._pending.add(key)
        threading.Thread(target=self._fetch, args=(key, script), daemon=True).start()
        return None

    def _fetch(self, key: tuple[str, str | None], script: str) -> None:
        rc, out, err = self._run(script)
        tab = parse_applescript_output(out) if rc == 0 else None
        with self._lock:
            self.last_error = None if rc == 0 else applescript_error(err)
            self._pending.discard(key)
            if len(self._cache) > 256:
                self._cache.clear()
            if tab is not None and tab.title and key[1] and tab.title != key[1]:
                # The front tab changed meanwhile: keep it for its own title, ask again.
                self._cache[(key[0], tab.title)] = tab
                return
            self._cache[key] = tab


def _run_osascript(script: str) -> tuple[int, str, str]:
    try:
        done = subprocess.run(["osascript", "-e", script], capture_output=True, text=True,
                              timeout=3)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 1, "", str(exc)
    return done.returncode, done.stdout, done.stderr


if sys.platform == "darwin":
    register_url_provider(AppleScriptUrlProvider())
