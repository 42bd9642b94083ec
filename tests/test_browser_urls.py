"""The exact-URL seam: provider registry, tabs reported by the extension, the macOS
AppleScript provider (on osascript outputs written in its format), and sites from URLs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from watchers.browsers import (
    AppleScriptUrlProvider,
    ReportedTabs,
    TabUrl,
    applescript_error,
    applescript_for,
    parse_applescript_output,
    register_url_provider,
    unregister_url_provider,
    url_providers,
)
from watchers.inference import infer
from watchers.observation import Observation
from watchers.sites import host_of, site_from_title
from watchers.window.base import WindowInfo

CHROME = WindowInfo(app="google-chrome", title="Issues · owner/repo - Google Chrome", pid=None)


@pytest.fixture
def reported() -> Iterator[ReportedTabs]:
    tabs = ReportedTabs()
    register_url_provider(tabs)
    yield tabs
    unregister_url_provider(tabs)


def observe(window: WindowInfo) -> Observation:
    return infer(Observation(time=time.time(), title=window.title,
                             sources={"title": "window.x11"}), window)


def test_reported_url_wins_over_the_title(reported: ReportedTabs) -> None:
    reported.report("Chrome", "https://www.GitHub.com/owner/repo/issues", "Issues · owner/repo")
    obs = observe(CHROME)
    assert (obs.url, obs.site, obs.title) == (
        "https://www.GitHub.com/owner/repo/issues", "github.com", "Issues · owner/repo")
    assert obs.source_of("url") == obs.source_of("site") == "browser.url.extension"
    assert obs.private is False


def test_stale_or_mismatched_reports_are_ignored(reported: ReportedTabs) -> None:
    reported.report("Chrome", "https://example.com/", "Another tab")
    assert observe(CHROME).url is None
    reported.report("Chrome", "https://example.com/", None, at=time.monotonic() - 3600)
    obs = observe(CHROME)
    assert obs.url is None and obs.site == "github.com"
    assert obs.source_of("site") == "browser.title"
    reported.report("Firefox", "https://example.com/", None)
    assert observe(CHROME).url is None


def test_a_browser_that_names_itself_otherwise_is_matched_by_its_tab(
        reported: ReportedTabs) -> None:
    """Vivaldi's extension API says "Chromium"; its window is Vivaldi's."""
    vivaldi = WindowInfo(app="vivaldi-stable", title="Issues · owner/repo - Vivaldi", pid=None)
    reported.report("Chromium", "https://github.com/owner/repo/issues", "Issues · owner/repo")
    obs = observe(vivaldi)
    assert (obs.browser, obs.url) == ("Vivaldi", "https://github.com/owner/repo/issues")
    reported.report("Brave", "https://example.com/", "Issues · owner/repo")  # two: ambiguous
    assert observe(vivaldi).url is None


def test_private_tab_reported_by_the_extension_keeps_nothing(reported: ReportedTabs) -> None:
    reported.report("Chrome", "https://secret.example/", None, private=True)
    obs = observe(CHROME)
    assert obs.private is True
    assert (obs.title, obs.url, obs.site) == (None, None, None)
    assert "title" not in obs.sources


def test_registry_order_and_removal() -> None:
    first, second = ReportedTabs(), ReportedTabs()
    register_url_provider(first)
    register_url_provider(second)
    register_url_provider(first)
    try:
        mine = [p for p in url_providers() if p in (first, second)]
        assert mine == [first, second]
    finally:
        unregister_url_provider(first)
        unregister_url_provider(second)
    assert first not in url_providers()


# What `osascript -e <applescript_for(...)>` prints (one value per line; AppleScript's
# "missing value" for absent ones), written by hand: there is no macOS here to record on.
RECORDED = [
    ("Safari", "https://docs.python.org/3/library/os.html\nos — Miscellaneous operating system "
     "interfaces — Python 3.12.1 documentation\n",
     TabUrl("https://docs.python.org/3/library/os.html",
            "os — Miscellaneous operating system interfaces — Python 3.12.1 documentation")),
    ("Chrome", "https://github.com/owner/repo/pull/12\nFix race by x · Pull Request #12 · "
     "owner/repo\nnormal\n",
     TabUrl("https://github.com/owner/repo/pull/12",
            "Fix race by x · Pull Request #12 · owner/repo", False)),
    ("Brave", "https://search.brave.com/\nBrave Search\nincognito\n",
     TabUrl("https://search.brave.com/", "Brave Search", True)),
    ("Chrome", "chrome://newtab/\nNew Tab\nnormal\n", TabUrl("chrome://newtab/", "New Tab", False)),
    ("Safari", "missing value\nmissing value\n", None),
    ("Safari", "\n", None),
]


@pytest.mark.parametrize(("browser", "stdout", "expected"), RECORDED)
def test_applescript_output_parsing(browser: str, stdout: str, expected: TabUrl | None) -> None:
    assert applescript_for(browser) is not None
    assert parse_applescript_output(stdout) == expected


def test_applescript_scripts_and_errors() -> None:
    assert 'application "Google Chrome"' in (applescript_for("Chrome") or "")
    assert "current tab" in (applescript_for("Safari") or "")
    assert applescript_for("Firefox") is None  # Firefox has no AppleScript dictionary
    denied = ("36:120: execution error: Not authorized to send Apple events to Google Chrome. "
              "(-1743)\n")
    assert "Automation permission" in (applescript_error(denied) or "")
    assert applescript_error("0:80: execution error: Safari got an error: Can’t get window 1. "
                             "(-1728)\n") is None


class _FakeOsascript:
    """Stands in for osascript (macOS only): answers the recorded output after `release`."""

    def __init__(self, rc: int, stdout: str, stderr: str = "") -> None:
        self.answer = (rc, stdout, stderr)
        self.release = threading.Event()
        self.calls: list[str] = []

    def __call__(self, script: str) -> tuple[int, str, str]:
        self.calls.append(script)
        self.release.wait(5)
        return self.answer


def _settle(provider: AppleScriptUrlProvider) -> None:
    deadline = time.monotonic() + 5
    while provider._pending and time.monotonic() < deadline:
        time.sleep(0.01)


def test_applescript_provider_never_blocks_the_poll() -> None:
    run = _FakeOsascript(0, "https://github.com/owner/repo/issues\nIssues · owner/repo\nnormal\n")
    provider = AppleScriptUrlProvider(run)
    window = WindowInfo(app="Google Chrome", title="Issues · owner/repo")
    started = time.perf_counter()
    assert provider.url_for("Chrome", window, "Issues · owner/repo") is None  # asked, not waited
    assert provider.url_for("Chrome", window, "Issues · owner/repo") is None
    assert time.perf_counter() - started < 0.05
    run.release.set()
    _settle(provider)
    tab = provider.url_for("Chrome", window, "Issues · owner/repo")
    assert tab is not None and tab.url == "https://github.com/owner/repo/issues"
    assert len(run.calls) == 1
    assert provider.url_for("Firefox", window, "x") is None


def test_applescript_provider_reports_missing_permission() -> None:
    run = _FakeOsascript(1, "", "execution error: Not authorized to send Apple events to "
                                "Safari. (-1743)")
    run.release.set()
    provider = AppleScriptUrlProvider(run)
    provider.url_for("Safari", WindowInfo(app="Safari", title="x"), "x")
    _settle(provider)
    assert provider.last_error is not None and "Automation" in provider.last_error


def test_applescript_answer_for_another_tab_is_not_misattributed() -> None:
    run = _FakeOsascript(0, "https://example.com/\nExample Domain\n")
    run.release.set()
    provider = AppleScriptUrlProvider(run)
    window = WindowInfo(app="Safari", title="Old tab")
    provider.url_for("Safari", window, "Old tab")
    _settle(provider)
    assert provider.url_for("Safari", window, "Example Domain") == TabUrl(
        "https://example.com/", "Example Domain")
    run.answer = (0, "https://old.example/\nOld tab\n", "")
    provider.url_for("Safari", window, "Old tab")  # asked again, not cached as wrong
    _settle(provider)
    assert provider.url_for("Safari", window, "Old tab") == TabUrl("https://old.example/",
                                                                   "Old tab")


@pytest.mark.parametrize(("url", "host"), [
    ("https://www.GitHub.com/owner/repo", "github.com"),
    ("http://localhost:8000/app", "localhost:8000"),
    ("https://docs.python.org/3/", "docs.python.org"),
    ("news.ycombinator.com/item?id=1", "news.ycombinator.com"),
    ("about:blank", None),
])
def test_host_of(url: str, host: str | None) -> None:
    assert host_of(url) == host


def test_unknown_titles_have_no_site() -> None:
    assert site_from_title("My notes about things") is None
    assert site_from_title("Untitled") is None
