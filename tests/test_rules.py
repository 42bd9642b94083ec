"""Classification rules: defaults, user overrides, precedence, aliases, exclusions, error lines."""

from __future__ import annotations

import textwrap
import time

import pytest

from desktop.engine.rules import REDACTED, Rules, RulesError
from desktop.engine.span import Classification, Span


def span(**fields) -> Span:
    return Span(0.0, 60.0, **fields)


def write(tmp_path, text: str):
    path = tmp_path / "rules.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(("fields", "category", "level"), [
    ({"app": "Code", "title": "main.py - timeforged - Visual Studio Code"}, "coding", 2),
    ({"app": "jetbrains-pycharm"}, "coding", 2),
    ({"app": "kitty", "title": "vim"}, "coding", 2),
    ({"app": "gnome-terminal-server"}, "coding", 2),
    ({"app": "firefox", "url": "https://docs.python.org/3/library/re.html"}, "docs", 2),
    ({"app": "firefox", "site": "stackoverflow.com"}, "docs", 2),
    ({"app": "Google-chrome", "site": "github.com"}, "coding", 2),
    ({"app": "Slack"}, "communicating", 0),
    ({"app": "thunderbird"}, "communicating", 1),
    ({"app": "firefox", "url": "https://mail.google.com/mail/u/0/#inbox"}, "communicating", 1),
    ({"app": "zoom"}, "meeting", 0),
    ({"app": "Slack", "title": "Huddle with Ana | Slack"}, "meeting", 0),
    ({"app": "teams-for-linux", "title": "Meeting with Bob | Microsoft Teams"}, "meeting", 0),
    ({"app": "teams-for-linux", "title": "Chat | Microsoft Teams"}, "communicating", 0),
    ({"app": "firefox", "site": "meet.google.com"}, "meeting", 0),
    ({"app": "firefox", "url": "https://www.youtube.com/watch?v=x"}, "entertainment", -2),
    ({"app": "firefox", "title": "Lo-fi beats - YouTube — Mozilla Firefox"}, "entertainment", -2),
    ({"app": "firefox", "site": "www.netflix.com"}, "entertainment", -2),
    ({"app": "firefox", "site": "old.reddit.com"}, "social", -2),
    ({"app": "firefox", "site": "x.com"}, "social", -2),
    ({"app": "firefox", "site": "news.ycombinator.com"}, "news", -1),
    ({"app": "firefox", "site": "www.amazon.de"}, "shopping", -2),
    ({"app": "firefox", "site": "example.org"}, "browsing", 0),
    ({"app": "gimp-2.10"}, "design", 1),
    ({"app": "nautilus"}, "system", 0),
    ({"app": "some-unknown-thing"}, "uncategorized", 0),
])
def test_defaults(fields, category, level):
    result = Rules.load(None).classify(span(**fields))
    assert (result.category, result.productivity) == (category, level)


def test_missing_file_gives_the_defaults(tmp_path):
    assert Rules.load(tmp_path / "nope.toml").fingerprint == Rules.load(None).fingerprint


def test_user_rules_come_first_and_precedence_is_per_attribute(tmp_path):
    path = write(tmp_path, """
        [categories]
        research = 1

        [[rules]]
        name = "TimeForged work"
        match.title = 'timeforged'
        project = "timeforged"

        [[rules]]
        match.site = 'youtube\\.com$'
        match.title = 'conference|talk'
        category = "research"

        [[rules]]
        match.app = 'exact:Code'
        productivity = 1
    """)
    rules = Rules.load(path)
    # project from the first rule, category and level from the defaults
    assert rules.classify(span(app="kitty", title="~/src/timeforged")) == Classification(
        "timeforged", "coding", 2)
    # all match fields must match
    assert rules.classify(span(app="firefox", site="www.youtube.com", title="PyCon talk")) == \
        Classification(None, "research", 1)
    assert rules.classify(span(app="firefox", site="www.youtube.com", title="cats")).category == \
        "entertainment"
    # an explicit productivity from an earlier rule survives a later category
    assert rules.classify(span(app="Code")) == Classification(None, "coding", 1)
    assert rules.classify(span(app="code")).productivity == 2  # exact: is case-sensitive
    assert [r.origin for r in rules.rules[:3]] == ["user"] * 3
    assert rules.rules[0].name == "TimeForged work" and rules.rules[0].line == 5
    assert rules.rules[1].describe_match() == "site ~ youtube\\.com$ and title ~ conference|talk"


def test_pattern_kinds_and_path_alias(tmp_path):
    path = write(tmp_path, """
        defaults = false
        [categories]
        docs = 2
        writing = 1
        [[rules]]
        match.path = 'glob:*.md'
        category = "writing"
        [[rules]]
        match.title = ['text:(draft)', 'notes$']
        category = "docs"
    """)
    rules = Rules.load(path)
    assert len(rules.rules) == 2
    assert rules.classify(span(file="/home/me/README.MD")).category == "writing"
    assert rules.classify(span(file="/home/me/README.md.bak")).category == "uncategorized"
    assert rules.classify(span(title="My (Draft) plan")).category == "docs"
    assert rules.classify(span(title="meeting notes")).category == "docs"


def test_aliases_and_merges(tmp_path):
    path = write(tmp_path, """
        [aliases]
        "tf" = "timeforged"
        [merge]
        "website" = ["www", "Homepage", "site-v2"]
        [[rules]]
        match.title = '^HP:'
        project = "homepage"
    """)
    rules = Rules.load(path)
    assert rules.classify(span(app="Code", project="TF")).project == "timeforged"
    assert rules.classify(span(app="Code", project="site-v2")).project == "website"
    assert rules.classify(span(title="HP: index")).project == "website"
    assert rules.classify(span(app="Code", project="other")).project == "other"


def test_editing_rules_reclassifies_and_changes_the_fingerprint(tmp_path):
    path = write(tmp_path, """
        [[rules]]
        match.app = 'firefox'
        category = "coding"
    """)
    before = Rules.load(path)
    s = span(app="firefox", site="example.org")
    assert before.classify(s).category == "coding"
    path.write_text('[[rules]]\nmatch.app = "firefox"\ncategory = "social"\n')
    after = Rules.load(path)
    assert after.classify(s) == Classification(None, "social", -2)
    assert after.fingerprint != before.fingerprint
    assert Rules.load(path).fingerprint == after.fingerprint


def test_exclusions_drop_redact_and_replace(tmp_path):
    path = write(tmp_path, """
        [[exclude]]
        match.app = 'signal'
        action = "drop"
        [[exclude]]
        match.title = 'bank'
        action = "redact"
        [[exclude]]
        match.title = '[\\w.+-]+@[\\w-]+\\.\\w+'
        action = "replace"
        replace = "[email]"
    """)
    rules = Rules.load(path, excluded_apps=["^1password$"], redact_titles=["salary"])
    assert rules.redact(span(app="Signal", title="Mum")) is None
    assert rules.redact(span(app="1password", title="x")) is None
    redacted = rules.redact(span(app="firefox", title="My Bank - balance", url="https://b/1",
                                 site="bank.example"))
    assert (redacted.title, redacted.url, redacted.site) == (REDACTED, None, "bank.example")
    assert rules.redact(span(title="salary 2024.xlsx")).title == REDACTED
    assert rules.redact(span(title="Inbox (bob@example.com) - Mail")).title == \
        "Inbox ([email]) - Mail"
    assert rules.redact(span(app="firefox", title="t", private=True)).title == REDACTED
    plain = span(app="Code", title="main.py")
    assert rules.redact(plain) is plain


@pytest.mark.parametrize(("text", "line", "words"), [
    ("[[rules]]\nmatch.app = 'code'\ncategory = \n", 3, "not valid TOML"),
    ("[categories]\nfun = 3\n", 2, "from -2 to 2"),
    ("\n[[rules]]\nmatch.app = 'a'\ncategory = 'coding'\n\n[[rules]]\nname = 'bad'\n"
     "match.title = 'unclosed ('\ncategory = 'coding'\n", 8, "bad regular expression"),
    ("[[rules]]\nmatch.app = 'a'\ncategory = 'coding'\n[[rules]]\nmatch.app = 'b'\n"
     "category = 'fun'\n", 6, "unknown category 'fun'"),
    ("[[rules]]\nmatch.app = 'a'\nproductivity = 5\n", 3, "productivity"),
    ("[[rules]]\nmatch.colour = 'a'\ncategory = 'coding'\n", 2, "cannot match on 'colour'"),
    ("[[rules]]\nmatch.app = 'a'\n", 1, "sets nothing"),
    ("[[rules]]\ncategory = 'coding'\n", 1, "needs a match"),
    ("[[rule]]\nmatch.app = 'a'\ncategory = 'coding'\n", 1, "unknown key 'rule'"),
    ("[[exclude]]\nmatch.app = 'a'\naction = 'hide'\n", 3, "action must be one of"),
    ("[aliases]\nx = 1\n", 2, "aliases.x"),
    ("[[rules]]\nmatch = { app = 'a', title = '(' }\ncategory = 'coding'\n", 2, "bad regular"),
])
def test_check_points_at_the_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    problems = Rules.check(path)
    assert problems, text
    assert problems[0].line == line, (problems[0], text)
    assert words in str(problems[0])
    assert problems[0].located().startswith(f"{path}:{line}: ")
    with pytest.raises(RulesError) as caught:
        Rules.load(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_check_reports_every_problem_and_accepts_a_good_file(tmp_path):
    path = write(tmp_path, "[[rules]]\nmatch.app = '('\ncategory = 'coding'\n"
                           "[[rules]]\nmatch.app = 'x'\nproductivity = 'high'\n")
    assert [p.line for p in Rules.check(path)] == [2, 6]
    good = write(tmp_path, "[[rules]]\nmatch.app = 'x'\ncategory = 'coding'\n")
    assert Rules.check(good) == []


def test_classify_is_cached_and_fast():
    rules = Rules.load(None)
    spans = [span(app=f"app{i % 50}", title=f"title {i % 200}", site=f"s{i % 30}.example.org")
             for i in range(100_000)]
    started = time.perf_counter()
    for s in spans:
        rules.classify(s)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, elapsed


def test_unreadable_files(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_bytes(b"\xff\xfe[[rules]]\n")
    (problem,) = Rules.check(path)
    assert "not UTF-8" in str(problem) and problem.line is None
    path.write_bytes("\ufeff[[rules]]\nmatch.app = 'x'\ncategory = 'coding'\n".encode())
    assert Rules.check(path) == []  # a byte-order mark is fine
    assert Rules.check(tmp_path / "missing.toml")[0].message == "no such file"


def test_the_shipped_rules_pass_every_check():
    """Their patterns are not compiled one by one at each start (the matchers are compiled as
    they are first used): the check they skip runs here."""
    from desktop.engine.rules import DEFAULT_RULES, _Parsed

    parsed = _Parsed(DEFAULT_RULES.read_text("utf-8"), "default", None)
    assert parsed.errors == [] and parsed.rules
    rules = Rules(parsed.rules, parsed.exclusions, parsed.categories, parsed.aliases)
    assert rules.fingerprint == Rules.load(None).fingerprint
    rules.classify(span(app="code", title="x.py"))  # every matcher compiles
    assert rules.redact(span(app="code")) is not None


def test_classify_activities_is_classify_of_each():
    """The column-wise classification of many activity keys is `classify` of each: titles
    matching patterns, sites only in the url, user categories, projects the watcher saw."""
    from itertools import product

    from desktop.engine.span import ACTIVITY_FIELDS

    rules = Rules.load(None)
    spans = [span(app=app, title=title, url=url, project=project, category=category,
                  private=private, editor="vscode" if app == "code" else None)
             for app, title, url, project, category, private in product(
                 ("code", "firefox", "slack", None),
                 ("Weekly meeting", "Cats - YouTube", "main.py - tf", "/ X", None),
                 ("https://github.com/a/b", "https://news.ycombinator.com/", None),
                 ("tf", None), ("games", None), (False, True))]
    keys = [tuple(getattr(s, f) for f in ACTIVITY_FIELDS) for s in spans]
    found = rules.classify_activities(keys)
    assert found == [Rules.load(None).classify(s) for s in spans]
    assert len({c.category for c in found}) > 3
    assert rules.classify_activities([]) == []
