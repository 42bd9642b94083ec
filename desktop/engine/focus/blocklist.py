"""What a focus session blocks: custom sites and apps, the rules' distracting categories
(productivity < 0), or everything but an allow-list of sites."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from desktop.engine.focus.hosts import HostsError, validate_domain
from desktop.engine.focus.session import FocusPlan
from desktop.engine.span import Classification, Classifier, Span

# Domain names written in a rule's site pattern: 'reddit\.com' or 'text:reddit.com'.
_ESCAPED_DOMAIN = re.compile(r"(?<![\w\\])[a-z0-9-]+(?:\\\.[a-z0-9-]+)+(?![\w\[])")


def normalize_site(site: str) -> str:
    """A site as the user typed it ("https://www.Reddit.com/r/x") as a domain ("reddit.com")."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", site.strip().lower()).split("/", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    return validate_domain(host).removeprefix("www.")


def site_matches(site: str, domains: Iterable[str]) -> bool:
    """`site` is one of `domains` or a subdomain of one."""
    site = site.lower().removesuffix(".")
    return any(site == d or site.endswith("." + d) for d in domains)


def distracting_domains(rules: Classifier) -> list[str]:
    """Domains the rules name in site patterns and classify as distracting (productivity < 0):
    what the hosts file can block. A user rule that makes a site productive wins."""
    found: dict[str, None] = {}
    for rule in getattr(rules, "rules", ()):
        for field_name, patterns in rule.match:
            if field_name != "site":
                continue
            for pattern in patterns:
                if not isinstance(pattern, str):
                    continue
                for raw in _pattern_domains(pattern):
                    try:
                        domain = validate_domain(raw)
                    except HostsError:
                        continue
                    if is_distracting(rules, domain):
                        found[domain.removeprefix("www.")] = None
    return list(found)


def _pattern_domains(pattern: str) -> list[str]:
    kind, _, rest = pattern.partition(":")
    if kind in ("text", "exact"):
        return [rest.lower()]
    if kind == "glob":
        return [rest.lower()] if not re.search(r"[*?\[]", rest) else []
    return [m.replace("\\.", ".") for m in _ESCAPED_DOMAIN.findall(pattern.lower())]


def is_distracting(rules: Classifier, domain: str) -> bool:
    span = Span(0.0, 0.0, site=domain, url=f"https://{domain}/")
    return rules.classify(span).productivity < 0


@dataclass(frozen=True)
class Blocklist:
    sites: frozenset[str]
    apps: frozenset[str]  # compared case-insensitively with the app and the process name
    distracting: bool
    allow_sites: frozenset[str]  # not empty: allow-list mode

    @classmethod
    def from_plan(cls, plan: FocusPlan) -> Blocklist:
        return cls(frozenset(normalize_site(s) for s in plan.block_sites),
                   frozenset(a.casefold() for a in plan.block_apps), plan.block_distracting,
                   frozenset(normalize_site(s) for s in plan.allow_sites))

    def hosts_domains(self, rules: Classifier | None) -> list[str]:
        """What goes into the hosts file: the custom sites and (unless allowed) the
        distracting sites the rules name. An allow-list cannot be written there: the window
        watcher and the browser extension enforce it."""
        found = dict.fromkeys(sorted(self.sites))
        if self.distracting and rules is not None:
            found.update(dict.fromkeys(distracting_domains(rules)))
        return [d for d in found if not site_matches(d, self.allow_sites)]

    def verdict(self, *, site: str | None, app: str | None, exe: str | None = None,
                classification: Classification | None = None) -> str | None:
        """Why this activity is blocked, or None when it is allowed."""
        if site:
            if self.allow_sites and not site_matches(site, self.allow_sites):
                return f"{site} is not on the allow list"
            if site_matches(site, self.sites):
                return f"{site} is blocked"
        names = {n.casefold() for n in (app, exe) if n}
        if names & self.apps:
            return f"{app or exe} is blocked"
        if self.distracting and classification is not None and classification.productivity < 0:
            if site_matches(site or "", self.allow_sites):
                return None
            return f"{site or app} is {classification.category} (distracting)"
        return None
