"""Well-known sites recognized from a browser tab title, as data: (pattern, site) rows, first
match wins. A site is named by its host (no "www."), so sites read from titles and sites
taken from exact URLs are the same strings."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

# (regular expression searched in the tab title, site). Order matters: specific first.
SITE_PATTERNS: tuple[tuple[str, str], ...] = (
    # Code hosting
    (r"^GitHub - [\w.-]+/[\w.-]+", "github.com"),
    (r" · (?:Pull Request|Issue|Discussion) #\d+ · [\w.-]+/[\w.-]+", "github.com"),
    (r" · GitHub$", "github.com"),
    (r"^[\w.-]+/[\w.-]+: .+", "github.com"),
    (r"^GitHub$|^GitHub · ", "github.com"),
    (r"^[\w .:-]+ · [\w.-]+/[\w.-]+$", "github.com"),  # "Issues · owner/repo"
    (r" · GitLab$| \| GitLab$|^GitLab$", "gitlab.com"),
    (r" - Bitbucket$|^Bitbucket$", "bitbucket.org"),
    (r" · Codeberg\.org$", "codeberg.org"),
    # Q&A, news, social
    (r" - Stack Overflow$|^Stack Overflow\b", "stackoverflow.com"),
    (r" - (?:Super User|Server Fault|Ask Ubuntu)$",
     "stackexchange.com"),
    (r" - [\w &]+ Stack Exchange$", "stackexchange.com"),
    (r" - YouTube$|^YouTube$|^\(\d+\) YouTube$", "youtube.com"),
    (r" : r/\w+$|^r/\w+(?: on Reddit)?\b| - Reddit$|^Reddit\b|: reddit\.com$", "reddit.com"),
    (r" / X$|^X$|^Home / X$", "x.com"),
    (r" / Twitter$|^Twitter$", "twitter.com"),
    (r" \| Hacker News$|^Hacker News$", "news.ycombinator.com"),
    (r" \| Lobsters$|^Lobsters$", "lobste.rs"),
    (r" - Mastodon$| - [\w.-]+\.social$", "mastodon.social"),
    (r" \| LinkedIn$|^LinkedIn$", "linkedin.com"),
    # Documentation
    (r" — Python [\d.]+ documentation$|^[\d.]+ Documentation$|Python [\d.]+ documentation$",
     "docs.python.org"),
    (r" \| MDN(?: Web Docs)?$| - MDN Web Docs$| - Web APIs \| MDN$", "developer.mozilla.org"),
    (r" in (?:std|core|alloc)(?:::\w+)* - Rust$|^The Rust Programming Language$"
     r"| - The Rust Programming Language$", "doc.rust-lang.org"),
    (r" - Docs\.rs$| - Rust$", "docs.rs"),
    (r" - Go Packages$", "pkg.go.dev"),
    (r" - crates\.io: Rust Package Registry$|^crates\.io", "crates.io"),
    (r" · PyPI$|^PyPI · ", "pypi.org"),
    (r" - npm$| \| npm$", "npmjs.com"),
    (r" — Read the Docs| - Read the Docs$| — [\w .-]+ (?:[\d.]+ )?documentation$",
     "readthedocs.io"),
    (r" - cppreference\.com$", "cppreference.com"),
    (r" \| Microsoft Learn$", "learn.microsoft.com"),
    (r" \| Apple Developer Documentation$", "developer.apple.com"),
    (r" - Wikipedia$|^Wikipedia\b", "wikipedia.org"),
    # Google, mail, chat, work
    (r" - Google Search$| - Google Suche$| - Recherche Google$| - Buscar con Google$"
     r"|^Google$", "google.com"),
    (r" - Gmail$|^Gmail$", "mail.google.com"),
    (r" - Google Docs$| - Google Sheets$| - Google Slides$|^Google Docs$", "docs.google.com"),
    (r" - Google Drive$|^My Drive - ", "drive.google.com"),
    (r" - Google Calendar$|^Google Calendar\b", "calendar.google.com"),
    (r" - Outlook$|^Mail - .+ - Outlook", "outlook.office.com"),
    (r" - Slack$|^Slack \| |^Slack$", "app.slack.com"),
    (r" \| Discord$|^Discord \| |^Discord$| - Discord$", "discord.com"),
    (r" - Microsoft Teams$|^Microsoft Teams$", "teams.microsoft.com"),
    (r"^\[[A-Z][A-Z0-9]+-\d+\] | - Jira$|^Jira\b", "atlassian.net"),
    (r" - Confluence$|^Confluence\b", "atlassian.net"),
    (r" \| Linear$|^Linear$", "linear.app"),
    (r" \| Notion$| - Notion$", "notion.so"),
    (r" - Figma$", "figma.com"),
    (r"^ChatGPT$| \| ChatGPT$| - ChatGPT$", "chatgpt.com"),
    (r" - Claude$|^Claude$", "claude.ai"),
    (r" - Twitch$|^Twitch$", "twitch.tv"),
    (r" \| Netflix$|^Netflix$", "netflix.com"),
    (r" - Amazon\.com|^Amazon\.com", "amazon.com"),
)

_COMPILED = tuple((re.compile(pattern), site) for pattern, site in SITE_PATTERNS)
# Untitled pages show their address instead: "localhost:8000/app", "example.com/path".
_ADDRESS = re.compile(
    r"^(?:https?://)?(?P<host>localhost|\d{1,3}(?:\.\d{1,3}){3}|(?:[a-z0-9-]+\.)+[a-z]{2,})"
    r"(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)


def host_of(url: str) -> str | None:
    """The normalized host of `url` ("https://www.GitHub.com/x" -> "github.com")."""
    if "://" not in url and re.match(r"^[a-z][a-z0-9+.-]*:(?!\d)", url, re.IGNORECASE):
        return None  # about:blank, data:..., mailto:...
    try:
        parts = urlsplit(url if "://" in url else f"//{url}")
    except ValueError:
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return None
    host = host.removeprefix("www.")
    return f"{host}:{parts.port}" if host in ("localhost", "127.0.0.1") and parts.port else host


@lru_cache(maxsize=2048)
def site_from_title(title: str) -> str | None:
    """The site a tab title shows, by the table above, or its address for untitled pages."""
    title = title[-1000:]  # real titles are short; never scan an absurd one in full
    for pattern, site in _COMPILED:
        if pattern.search(title):
            return site
    if _ADDRESS.match(title.strip()):
        return host_of(title.strip())
    return None
