"""Classification rules: patterns on what a span shows -> project, category, productivity.

The format is documented in default_rules.toml (shipped with the package), which is also the
set of defaults a user's rules.toml extends. Exclusions (`Rules.redact`) run before anything is
stored; classification (`Rules.classify`) runs when reporting, so editing a rule re-classifies
history.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from desktop.engine.digests import sha256
from desktop.engine.span import ACTIVITY_FIELDS, Classification, Span
from watchers.records import Frozen

# Rules see what a span shows (its activity), not who recorded it: classifications are cached
# per activity.
TEXT_FIELDS = ("app", "title", "url", "site", "file", "project", "branch", "language", "editor",
               "browser", "terminal")
BOOL_FIELDS = ("private", "audible")
FIELD_ALIASES = {"path": "file"}
ACTIONS = ("drop", "redact", "replace")
REDACTED = "[redacted]"
_RULE_KEYS = {"name", "match", "project", "category", "productivity"}
_EXCLUDE_KEYS = {"name", "match", "action", "replace"}
_TOP_KEYS = {"defaults", "categories", "aliases", "merge", "rules", "exclude"}
_CACHE_LIMIT = 200_000
DEFAULT_RULES = Path(__file__).with_name("default_rules.toml")  # bundled beside it too
_UNIQUE_FIELDS = {"title", "url", "file"}
_MATCHED = TEXT_FIELDS + BOOL_FIELDS
_matched = attrgetter(*_MATCHED)
_activity_key = attrgetter(*ACTIVITY_FIELDS)  # == Span.activity_key(), faster
_URL, _PROJECT, _CATEGORY = (ACTIVITY_FIELDS.index(f) for f in ("url", "project", "category"))


class RulesError(ValueError):
    """A problem in a rules file; `line` is 1-based (None when unknown). str() is the bare
    message (`timeforged rules check` prints it after "path:line:"); `located()` has both."""

    def __init__(self, message: str, line: int | None = None, path: Path | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.path = message, line, path

    def located(self) -> str:
        where = ":".join(str(p) for p in (self.path, self.line) if p is not None)
        return f"{where}: {self.message}" if where else self.message


Match = tuple[tuple[str, tuple[str | bool, ...]], ...]  # (field, its patterns), all must match


class Rule(Frozen):
    """One classification rule, as listed by `timeforged rules list`."""

    __slots__ = (  # noqa: RUF023 (in the order of __init__'s arguments)
        "match", "project", "category", "productivity", "name", "origin", "line")

    match: Match
    project: str | None
    category: str | None
    productivity: int | None
    name: str | None
    origin: str
    line: int | None

    def __init__(self, match: Match, project: str | None = None, category: str | None = None,
                 productivity: int | None = None, name: str | None = None,
                 origin: str = "default", line: int | None = None) -> None:
        for field, value in zip(self.__slots__, (match, project, category, productivity, name,
                                                 origin, line), strict=True):
            object.__setattr__(self, field, value)

    def describe_match(self) -> str:
        parts = []
        for field, patterns in self.match:
            shown = " | ".join(str(p).lower() if isinstance(p, bool) else p for p in patterns)
            parts.append(f"{field} ~ {shown}")
        return " and ".join(parts)


class Exclusion(Frozen):
    """What to drop, redact or replace before anything is stored."""

    __slots__ = (  # noqa: RUF023 (in the order of __init__'s arguments)
        "match", "action", "replacement", "name", "origin", "line")

    match: Match
    action: str
    replacement: str | None
    name: str | None
    origin: str
    line: int | None

    def __init__(self, match: Match, action: str, replacement: str | None = None,
                 name: str | None = None, origin: str = "default", line: int | None = None
                 ) -> None:
        for field, value in zip(self.__slots__, (match, action, replacement, name, origin,
                                                 line), strict=True):
            object.__setattr__(self, field, value)


Matcher = Callable[[dict[str, Any]], bool]


def _site_of(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _fields(span: Span) -> dict[str, Any]:
    """What rules match on, read once per span (the site taken from the url if missing)."""
    values = dict(zip(_MATCHED, _matched(span), strict=True))
    if not values["site"] and span.url:
        values["site"] = _site_of(span.url)
    return values


def _key_getter(fields: tuple[str, ...]) -> Callable[[tuple], tuple]:
    """The values of `fields` in an activity key, always as a tuple."""
    at = [ACTIVITY_FIELDS.index(f) for f in fields]
    if len(at) > 1:
        return itemgetter(*at)
    return (lambda key, i=at[0]: (key[i],)) if at else (lambda key: ())


def _remember(cache: dict, key: Any, value: Any) -> Any:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _pattern_regex(pattern: str) -> str:
    """The regex source for one pattern string in any of the documented syntaxes."""
    if pattern.startswith("text:"):
        return re.escape(pattern[5:])
    if pattern.startswith("glob:"):
        return fnmatch.translate(pattern[5:])
    if pattern.startswith("exact:"):
        return f"(?-i:^{re.escape(pattern[6:])}$)"
    return pattern


def _compile_match(match: tuple[tuple[str, tuple[str | bool, ...]], ...]) -> list[Matcher]:
    matchers: list[Matcher] = []
    for field, patterns in match:
        if field in BOOL_FIELDS:
            wanted = bool(patterns[0])
            matchers.append(lambda v, f=field, w=wanted: bool(v[f]) is w)
            continue
        regex = re.compile("|".join(f"(?:{_pattern_regex(p)})" for p in patterns), re.IGNORECASE)

        def matches(values: dict[str, Any], f: str = field, search=regex.search) -> bool:
            value = values[f]
            return value is not None and search(str(value)) is not None

        def remembered(values: dict[str, Any], f: str = field, search=regex.search,
                       seen: dict[Any, bool] = {}) -> bool:  # noqa: B006 (a memo per matcher)
            value = values[f]
            if value is None:
                return False
            found = seen.get(value)
            if found is None:
                if len(seen) >= _CACHE_LIMIT:
                    seen.clear()
                found = seen[value] = search(str(value)) is not None
            return found

        # apps, sites, languages... repeat endlessly, titles, urls and files hardly
        matchers.append(matches if field in _UNIQUE_FIELDS else remembered)
    return matchers


class Rules:
    """The effective rules: the user's file on top of the defaults. A `Classifier`."""

    def __init__(self, rules: Iterable[Rule], exclusions: Iterable[Exclusion],
                 categories: dict[str, int], aliases: dict[str, str]) -> None:
        self.rules = list(rules)
        self.exclusions = list(exclusions)
        self.categories = dict(categories)
        self.aliases = {k.casefold(): v for k, v in aliases.items()}
        # An activity's classification depends only on its "traits": the watchers' project,
        # the few-valued fields rules look at, and which title/url/file patterns it matches.
        self._trait_fields = tuple(sorted(
            {f for r in self.rules for f, _ in r.match if f not in _UNIQUE_FIELDS}))
        self._cache: dict[tuple, Classification] = {}
        self._by_traits: dict[tuple, Classification] = {}
        effective = {
            "rules": [[r.match, r.project, r.category, r.productivity] for r in self.rules],
            "categories": sorted(self.categories.items()),
            "aliases": sorted(self.aliases.items()),
        }
        self.fingerprint = sha256(
            json.dumps(effective, sort_keys=True).encode()).hexdigest()[:16]

    # The matchers are compiled on first use: a report whose activities are classified
    # already (the store caches classifications by fingerprint) compiles none.

    @functools.cached_property
    def _compiled(self) -> list[tuple[Rule, list[Matcher]]]:
        return [(r, _compile_match(r.match)) for r in self.rules]

    @functools.cached_property
    def _excluders(self) -> list[tuple[Exclusion, list[Matcher], Callable[[str], str] | None]]:
        return [(e, _compile_match(e.match), self._replacer(e)) for e in self.exclusions]

    @functools.cached_property
    def _trait_parts(self) -> tuple[Callable[[tuple], tuple], int | None, Callable[[tuple], tuple],
                                    list[Callable[[str], Any]]]:
        """How `_traits` reads an activity key: a getter of the few-valued fields (and where
        "site" is among them), a getter of the title/url/file each pattern looks at, and the
        patterns' searches, in that order."""
        fields = self._trait_fields
        unique = [(f, p) for r in self.rules for f, p in r.match if f in _UNIQUE_FIELDS]
        searches = [re.compile("|".join(f"(?:{_pattern_regex(p)})" for p in patterns),
                               re.IGNORECASE).search for _, patterns in unique]
        return (_key_getter(fields), fields.index("site") if "site" in fields else None,
                _key_getter(tuple(f for f, _ in unique)), searches)

    def _traits(self, key: tuple) -> tuple:
        """What the classification of activity `key` depends on (see __init__)."""
        few, site_at, unique, searches = self._trait_parts
        values = few(key)
        if site_at is not None and not values[site_at] and key[_URL]:
            values = (*values[:site_at], _site_of(key[_URL]), *values[site_at + 1:])
        return (key[_PROJECT], *values, *[v is not None and search(v) is not None
                                          for v, search in zip(unique(key), searches,
                                                               strict=True)])

    # -- loading -----------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str | None, *, excluded_apps: Iterable[str] = (),
             excluded_titles: Iterable[str] = (), redact_titles: Iterable[str] = ()) -> Rules:
        """The defaults extended by the file at `path` (missing file or None: the defaults).

        `excluded_apps`/`excluded_titles` (patterns, from the config) drop matching activity;
        `redact_titles` redacts it. They are tried before the files' exclusions.
        Raises RulesError (with the line) for the first problem in the user's file.
        """
        errors, rules = _build(path)
        if errors:  # the message says where, for whoever shows it without the line
            first = errors[0]
            raise RulesError(first.located(), first.line, first.path)
        assert rules is not None
        extra = [Exclusion((("app", (p,)),), "drop", origin="config") for p in excluded_apps]
        extra += [Exclusion((("title", (p,)),), "drop", origin="config") for p in excluded_titles]
        extra += [Exclusion((("title", (p,)),), "redact", origin="config") for p in redact_titles]
        if extra:
            for exclusion in extra:
                problem = _check_patterns(exclusion.match)
                if problem:
                    raise RulesError(f"config exclusion: {problem}")
            rules = cls(rules.rules, extra + rules.exclusions, rules.categories, rules.aliases)
        return rules

    @classmethod
    def check(cls, path: Path | str) -> list[RulesError]:
        """Every problem in the rules file at `path`, each with its line."""
        path = Path(path)
        if not path.exists():
            return [RulesError("no such file", path=path)]
        return _build(path)[0]

    # -- using -------------------------------------------------------------------------

    def classify(self, span: Span) -> Classification:
        key = _activity_key(span)
        found = self._cache.get(key)
        if found is None:
            found = _remember(self._cache, key, self._classify_key(key))
        return found

    def classify_activities(self, keys: Sequence[tuple]) -> list[Classification]:
        """What `classify` makes of spans doing the activities `keys` (their ACTIVITY_FIELDS),
        without remembering them by key (the caller keeps them by activity id): each
        title/url/file pattern searched down the column of its field, the rules run once per
        distinct traits."""
        if not keys:
            return []
        few, site_at, unique, searches = self._trait_parts
        fews = list(map(few, keys))
        if site_at is not None:
            fews = [v if v[site_at] or not k[_URL] else
                    (*v[:site_at], _site_of(k[_URL]), *v[site_at + 1:])
                    for v, k in zip(fews, keys, strict=True)]
        hits = [[v is not None and search(v) is not None for v in column]
                for column, search in zip(zip(*map(unique, keys), strict=True),
                                              searches, strict=True)]
        traits = list(zip(map(itemgetter(_PROJECT), keys), fews, *hits, strict=True))
        made = {t: self._by_traits_of((t[0], *t[1], *t[2:]), key)
                for t, key in dict(zip(traits, keys, strict=True)).items()}
        out = list(map(made.__getitem__, traits))
        for i, key in enumerate(keys):
            if key[_CATEGORY]:
                out[i] = self._override(key, out[i])
        return out

    def _classify_key(self, key: tuple) -> Classification:
        return self._override(key, self._by_traits_of(self._traits(key), key))

    def _by_traits_of(self, traits: tuple, key: tuple) -> Classification:
        """The rules' classification of activities with `traits` (`key` one of them)."""
        found = self._by_traits.get(traits)
        if found is None:
            values = dict(zip(ACTIVITY_FIELDS, key, strict=True))
            if not values["site"] and values["url"]:
                values["site"] = _site_of(values["url"])
            found = _remember(self._by_traits, traits, self._classify(values, key[_PROJECT]))
        return found

    def _override(self, key: tuple, found: Classification) -> Classification:
        """`found`, but for a category the user set on the activity: it wins over the rules,
        with its productivity."""
        category = key[_CATEGORY]
        if category:
            return Classification(found.project, category, self.categories.get(category, 0))
        return found

    def _classify(self, values: dict[str, Any], seen_project: str | None) -> Classification:
        project = category = productivity = None
        for rule, matchers in self._compiled:
            if project is not None and category is not None and productivity is not None:
                break
            wanted = ((rule.project is not None and project is None)
                      or (rule.category is not None and category is None)
                      or (rule.productivity is not None and productivity is None))
            if not wanted or not all(m(values) for m in matchers):
                continue
            if project is None and rule.project is not None:
                project = rule.project
            if productivity is None and rule.productivity is not None:
                productivity = rule.productivity
            if category is None and rule.category is not None:
                category = rule.category
                if productivity is None:
                    productivity = self.categories.get(category, 0)
        category = category or "uncategorized"
        if productivity is None:
            productivity = self.categories.get(category, 0)
        return Classification(self.resolve_project(project or seen_project), category,
                              productivity)

    def resolve_project(self, name: str | None) -> str | None:
        """`name` after aliases and merges."""
        if not name:
            return None
        return self.aliases.get(name.casefold(), name) or name

    def redact(self, span: Span) -> Span | None:
        """The span as it may be stored: unchanged, redacted, or None (drop it)."""
        values = _fields(span)
        for exclusion, matchers, replacer in self._excluders:
            if not all(m(values) for m in matchers):
                continue
            if exclusion.action == "drop":
                return None
            if exclusion.action == "redact":
                return span.replace(title=REDACTED, url=None)
            assert replacer is not None
            return span.replace(title=replacer(span.title or ""))
        return span

    @staticmethod
    def _replacer(exclusion: Exclusion) -> Callable[[str], str] | None:
        if exclusion.action != "replace":
            return None
        patterns = dict(exclusion.match)["title"]
        regex = re.compile("|".join(f"(?:{_pattern_regex(str(p))})" for p in patterns),
                           re.IGNORECASE)
        replacement = exclusion.replacement or REDACTED
        return lambda title: regex.sub(lambda _m: replacement, title)


# -- parsing and checking --------------------------------------------------------------------


@functools.cache
def _defaults() -> _Parsed:
    """The shipped rules. Their patterns are not compiled one by one to check them at each
    start (the test suite does, `check_patterns`); a broken one fails as it is first used."""
    return _Parsed(DEFAULT_RULES.read_text("utf-8"), "default", None, check_patterns=False)


def _build(path: Path | str | None) -> tuple[list[RulesError], Rules | None]:
    """(problems in the user's file, the effective rules when there are none)."""
    defaults = _defaults()
    if defaults.errors:  # a broken shipped file is a bug: say so loudly
        raise defaults.errors[0]
    user = None
    if path is not None and Path(path).exists():
        try:
            text = Path(path).read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 text ({exc.reason})"
            return [RulesError(f"cannot be read: {reason or exc}", None, Path(path))], None
        user = _Parsed(text, "user", Path(path))
        if user.errors:
            return user.errors, None
    layers = [user, defaults] if user else [defaults]
    if user is not None and user.data.get("defaults") is False:
        layers = [user]
    categories: dict[str, int] = {}
    aliases: dict[str, str] = {}
    for layer in reversed(layers):  # later layers (the user's) override
        categories.update(layer.categories)
        aliases.update(layer.aliases)
    rules = [r for layer in layers for r in layer.rules]
    exclusions = [e for layer in layers for e in layer.exclusions]
    unknown = _unknown_categories(layers, categories)
    if unknown:
        return unknown, None
    return [], Rules(rules, exclusions, categories, aliases)


def _unknown_categories(layers: list[_Parsed], categories: dict[str, int]) -> list[RulesError]:
    errors = []
    for layer in layers:
        for index, rule in enumerate(layer.rules):
            if rule.category is not None and rule.category not in categories:
                errors.append(RulesError(
                    f"rules[{index}]: unknown category {rule.category!r} (known: "
                    f"{', '.join(sorted(categories))}; add it under [categories])",
                    layer.line_of("rules", index, "category"), layer.path))
    return errors


def _check_patterns(match: tuple[tuple[str, tuple[str | bool, ...]], ...]) -> str | None:
    for field, patterns in match:
        for pattern in patterns:
            if isinstance(pattern, bool):
                continue
            try:
                re.compile(_pattern_regex(pattern))
            except re.error as exc:
                return f"match.{field}: bad regular expression {pattern!r}: {exc}"
    return None


class _Parsed:
    """One rules file, parsed and checked; problems collected with their lines."""

    def __init__(self, text: str, origin: str, path: Path | None, *,
                 check_patterns: bool = True) -> None:
        self.text, self.origin, self.path = text, origin, path
        self.check_patterns = check_patterns
        self.lines = text.splitlines()
        self._headers = [n for n, line in enumerate(self.lines) if re.match(r"^\s*\[", line)]
        self._starts: dict[tuple[str, bool], list[int]] = {}
        self.errors: list[RulesError] = []
        self.rules: list[Rule] = []
        self.exclusions: list[Exclusion] = []
        self.categories: dict[str, int] = {}
        self.aliases: dict[str, str] = {}
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"at line (\d+)", str(exc))
            self.data = {}
            self.error(f"not valid TOML: {exc}", int(found.group(1)) if found else None)
            return
        self._top()

    def error(self, message: str, line: int | None) -> None:
        self.errors.append(RulesError(message, line, self.path))

    def _top(self) -> None:
        for key in self.data:
            if key not in _TOP_KEYS:
                self.error(f"unknown key {key!r} (expected one of: {', '.join(sorted(_TOP_KEYS))})",
                           self.line_of(None, None, key))
        if not isinstance(self.data.get("defaults", True), bool):
            self.error("defaults: must be true or false", self.line_of(None, None, "defaults"))
        self._categories(self.data.get("categories", {}))
        self._aliases(self.data.get("aliases", {}), self.data.get("merge", {}))
        for kind, build in (("rules", self._rule), ("exclude", self._exclusion)):
            entries = self.data.get(kind, [])
            if not isinstance(entries, list):
                self.error(f"{kind}: write each as a [[{kind}]] table",
                           self.line_of(None, None, kind))
                continue
            for index, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    self.error(f"{kind}[{index}]: must be a table", self.line_of(kind, index))
                    continue
                build(index, entry)

    def _categories(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.error("categories: must be a table of name = level",
                       self.line_of(None, None, "categories"))
            return
        for name, level in table.items():
            if isinstance(level, bool) or not isinstance(level, int) or not -2 <= level <= 2:
                self.error(f"categories.{name}: the productivity level must be an integer from "
                           f"-2 to 2, got {level!r}", self.line_of("categories", None, name))
            else:
                self.categories[name] = level

    def _aliases(self, aliases: Any, merge: Any) -> None:
        if not isinstance(aliases, dict):
            self.error("aliases: must be a table of alias = project",
                       self.line_of(None, None, "aliases"))
            aliases = {}
        if not isinstance(merge, dict):
            self.error("merge: must be a table of project = [names]",
                       self.line_of(None, None, "merge"))
            merge = {}
        for alias, target in aliases.items():
            if not isinstance(target, str) or not target:
                self.error(f"aliases.{alias}: must be a project name (a string)",
                           self.line_of("aliases", None, alias))
            else:
                self.aliases[alias] = target
        for target, names in merge.items():
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                self.error(f"merge.{target}: must be a list of project names",
                           self.line_of("merge", None, target))
                continue
            for name in names:
                self.aliases[name] = target

    def _match(self, kind: str, index: int, entry: dict) -> tuple | None:
        match = entry.get("match")
        where = f"{kind}[{index}]"
        if not isinstance(match, dict) or not match:
            self.error(f"{where}: needs a match, e.g. match.app = 'code'",
                       self.line_of(kind, index, "match"))
            return None
        items = []
        for raw_field, value in match.items():
            field = FIELD_ALIASES.get(raw_field, raw_field)
            line = functools.partial(self.line_of, kind, index, raw_field)  # wanted on errors
            if field in BOOL_FIELDS:
                if not isinstance(value, bool):
                    self.error(f"{where}: match.{raw_field} must be true or false", line())
                    return None
                items.append((field, (value,)))
                continue
            if field not in TEXT_FIELDS:
                self.error(f"{where}: cannot match on {raw_field!r} (fields: "
                           f"{', '.join(TEXT_FIELDS + BOOL_FIELDS)}, path)", line())
                return None
            patterns = value if isinstance(value, list) else [value]
            if not patterns or not all(isinstance(p, str) and p for p in patterns):
                self.error(f"{where}: match.{raw_field} must be a pattern or a list of patterns "
                           f"(non-empty strings)", line())
                return None
            problem = (_check_patterns(((raw_field, tuple(patterns)),)) if self.check_patterns
                       else None)
            if problem:
                self.error(f"{where}: {problem}", line())
                return None
            items.append((field, tuple(patterns)))
        return tuple(items)

    def _unknown_keys(self, kind: str, index: int, entry: dict, allowed: set[str]) -> None:
        for key in entry:
            if key not in allowed:
                self.error(f"{kind}[{index}]: unknown key {key!r} (expected: "
                           f"{', '.join(sorted(allowed))})", self.line_of(kind, index, key))

    def _rule(self, index: int, entry: dict) -> None:
        self._unknown_keys("rules", index, entry, _RULE_KEYS)
        match = self._match("rules", index, entry)
        project, category, level = (entry.get(k) for k in ("project", "category", "productivity"))
        ok = match is not None
        for key, value in (("project", project), ("category", category)):
            if value is not None and (not isinstance(value, str) or not value):
                self.error(f"rules[{index}]: {key} must be a non-empty string",
                           self.line_of("rules", index, key))
                ok = False
        if level is not None and (isinstance(level, bool) or not isinstance(level, int)
                                  or not -2 <= level <= 2):
            self.error(f"rules[{index}]: productivity must be an integer from -2 (very "
                       f"distracting) to 2 (very productive), got {level!r}",
                       self.line_of("rules", index, "productivity"))
            ok = False
        if project is None and category is None and level is None:
            self.error(f"rules[{index}]: sets nothing (give a project, category or productivity)",
                       self.line_of("rules", index))
            ok = False
        if ok:
            assert match is not None
            self.rules.append(Rule(match, project, category, level, entry.get("name"),
                                   self.origin, self.line_of("rules", index)))

    def _exclusion(self, index: int, entry: dict) -> None:
        self._unknown_keys("exclude", index, entry, _EXCLUDE_KEYS)
        match = self._match("exclude", index, entry)
        action = entry.get("action", "drop")
        if action not in ACTIONS:
            self.error(f"exclude[{index}]: action must be one of {', '.join(ACTIONS)}, "
                       f"got {action!r}", self.line_of("exclude", index, "action"))
            return
        replace = entry.get("replace")
        if action == "replace" and match is not None:
            if "title" not in dict(match):
                self.error(f"exclude[{index}]: action \"replace\" needs a match.title pattern",
                           self.line_of("exclude", index, "action"))
                return
            if not isinstance(replace, str):
                self.error(f"exclude[{index}]: replace must be the text to put instead",
                           self.line_of("exclude", index, "replace"))
                return
        if match is not None:
            self.exclusions.append(Exclusion(match, action, replace, entry.get("name"),
                                             self.origin, self.line_of("exclude", index)))

    # -- finding lines -------------------------------------------------------------------

    def line_of(self, table: str | None, index: int | None, key: str | None = None) -> int | None:
        """The 1-based line of `key` in table `table` (the index-th of an array of tables, or
        the top level when None), else of the table's header, else None."""
        quoted = re.escape(key) if key is not None else ""
        assignment = re.compile(rf"""^\s*(match\s*\.\s*)?(["']?){quoted}\2\s*=""")
        headers = self._headers
        if table is None:
            named = re.compile(rf"^\s*\[\[?\s*{quoted}\s*[\].]")
            for n in headers:
                if named.match(self.lines[n]):
                    return n + 1
            top_end = headers[0] if headers else len(self.lines)
            return next((n + 1 for n in range(top_end) if assignment.match(self.lines[n])), None)
        starts = self._starts.get((table, index is not None))
        if starts is None:
            header = (rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]" if index is not None
                      else rf"^\s*\[\s*{re.escape(table)}\s*\]")
            starts = self._starts[table, index is not None] = [
                n for n in headers if re.match(header, self.lines[n])]
        position = index or 0
        if position >= len(starts):
            return None
        start = starts[position]
        end = next((n for n in headers if n > start), len(self.lines))
        if key is None:
            return start + 1
        inline = re.compile(rf"""(["']?){quoted}\1\s*=""")
        for candidate in (assignment.match, inline.search):
            for n in range(start + 1, end):
                if candidate(self.lines[n]):
                    return n + 1
        return start + 1
