"""Commits read from real git repositories, and the coding time each collects, checked against
a plain reference of the rule (desktop.engine.commits) on overlap-resolved spans."""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.engine import gitlog
from desktop.engine.analytics import Analytics
from desktop.engine.commits import BRANCH_LOOKBACK, Commits, pull_of, pull_requests
from desktop.engine.gitlog import Change, Commit
from desktop.engine.span import Span
from desktop.engine.store import Store, named_blocks
from desktop.engine.store.rollups import QUARTER
from desktop.engine.timeline import resolve
from tests.store_helpers import T0, TinyRules

ME, OTHER = "me@example.com", "other@example.com"


def git(repo: Path, *args: str, when: float | None = None, email: str = ME,
        committed: float | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Me", "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": "Me", "GIT_COMMITTER_EMAIL": email,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = f"@{int(when)} +0000"
        env["GIT_COMMITTER_DATE"] = f"@{int(committed or when)} +0000"
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True,
                          check=True, timeout=60).stdout.strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    path = tmp_path / "stellar"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", ME)
    return path


def commit(repo: Path, name: str, lines: int, when: float, **kw) -> str:
    (repo / name).write_text("x\n" * lines)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"add {name}", when=when, **kw)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "tf.sqlite3", device="dev-a")
    yield s
    s.close()


def test_reading_is_incremental_and_follows_rewritten_history(repo):
    first = commit(repo, "a.py", 3, T0)
    change = gitlog.read(str(repo), ())
    assert change is not None and change.gone == set()
    [c] = change.new
    assert (c.hash, c.email, c.authored, c.added, c.deleted, c.subject, c.merge) == (
        first, ME, T0, 3, 0, "add a.py", False)
    assert gitlog.read(str(repo), {first}, change.fingerprint) is None  # nothing moved
    second = commit(repo, "b.py", 2, T0 + 60)
    again = gitlog.read(str(repo), {first}, change.fingerprint)
    assert [c.hash for c in again.new] == [second] and again.gone == set()
    (repo / "b.py").write_text("y\n")
    git(repo, "commit", "-q", "-a", "--amend", "-m", "b, amended", when=T0 + 60,
        committed=T0 + 900)
    amended = gitlog.read(str(repo), {first, second}, again.fingerprint)
    [new] = amended.new
    assert amended.gone == {second} and new.subject == "b, amended"
    assert (new.authored, new.committed, new.added, new.deleted) == (T0 + 60, T0 + 900, 1, 0)


def test_a_merge_commit_names_its_pull_request(repo):
    commit(repo, "a.py", 1, T0)
    git(repo, "checkout", "-q", "-b", "fix-login")
    commit(repo, "b.py", 1, T0 + 60)
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #42 from someone/fix-login",
        "fix-login", when=T0 + 120)
    commits = gitlog.read(str(repo), ()).new
    assert sorted(c.parents for c in commits) == [0, 1, 2]
    merged = pull_requests(commits)
    assert merged == {"fix-login": "#42"}
    assert pull_of("fix-login", merged) == "#42"
    assert pull_of("pr/7", {}) == "#7" and pull_of("pull/12/head", {}) == "#12"
    assert pull_of("mr-3-speed", {}) == "#3" and pull_of("main", {}) is None


def test_not_a_repository_is_a_clear_error(tmp_path):
    with pytest.raises(gitlog.GitError, match="git could not read"):
        gitlog.read(str(tmp_path), ())


def editor(a: float, b: float, repo: Path, branch: str, name: str = "a.py") -> Span:
    return Span(a, b, source="editor", editor="vim", file=str(repo / name),
                project=repo.name, branch=branch, language="Python")


def test_each_commit_collects_the_coding_time_on_its_branch_since_the_one_before(repo, store):
    """main 09:00-09:30, commit 09:30; feature 09:30-10:00 and main 10:00-10:20 interleaved:
    each commit gets its own branch's time; a colleague's commit and a merge get none."""
    h = 3600
    store.add_spans([
        editor(T0 + 9 * h, T0 + 9.5 * h, repo, "main"),
        editor(T0 + 9.5 * h, T0 + 10 * h, repo, "feature"),
        editor(T0 + 10 * h, T0 + 10 * h + 1200, repo, "main"),
        Span(T0 + 9 * h, T0 + 11 * h, app="chat"),  # not coding: never counted
    ])
    analytics = Analytics(store, TinyRules(), ZoneInfo("UTC"))
    first = commit(repo, "a.py", 5, T0 + 9.5 * h)
    git(repo, "checkout", "-q", "-b", "feature")
    feat = commit(repo, "b.py", 7, T0 + 10 * h - 1)
    commit(repo, "c.py", 1, T0 + 10 * h - 1, email=OTHER)
    git(repo, "checkout", "-q", "main")
    late = commit(repo, "d.py", 2, T0 + 10 * h + 1200)
    commits = Commits(store, analytics)
    assert commits.refresh() == []
    got = {t.commit.hash: (t.branch, t.seconds) for t in commits.times()}
    assert got == {first: ("main", 1800), feat: ("feature", 1799), late: ("main", 1200)}
    assert store.commit_hashes(str(repo)) == set(git(repo, "rev-list", "--all").split())
    assert commits.times(project="stellar")[0].commit.hash == late
    assert commits.times(project="elsewhere") == []


# -- the rule against a plain reference -------------------------------------------------------

def reference(spans: list[Span], commits: list[Commit], mine: set[str]) -> dict[str, tuple]:
    """The rule of desktop.engine.commits, computed the plain way: resolved pieces, the branch
    of the last one before a commit, each commit summing pieces since the one before."""
    pieces = [(p.start, p.end, p.span.branch) for p in resolve(spans)
              if p.span.editor and p.span.project == "repo"]
    def branch_at(t: float) -> str | None:
        q = math.ceil(t / QUARTER) - 1
        parts = []
        for a, b, branch in pieces:  # cut at quarter hours, as the rollups see them
            qq = math.floor(a / QUARTER)
            while qq * QUARTER < b:
                lo, hi = max(a, qq * QUARTER), min(b, (qq + 1) * QUARTER)
                if lo < t and 0 <= q - qq <= BRANCH_LOOKBACK and hi > lo:
                    parts.append((hi, branch))
                qq += 1
        return max(parts)[1] if parts else None

    def coded(a: float | None, b: float, branch: str | None) -> float:
        return sum(max(0.0, min(y, b) - max(x, a if a is not None else -math.inf))
                   for x, y, br in pieces if branch is None or (br or "unknown") == branch)

    out, last = {}, {}
    for c in sorted((c for c in commits if c.email in mine and not c.merge),
                    key=lambda c: (c.authored, c.hash)):
        branch = branch_at(c.authored)
        since = last.get(branch) if branch else max(last.values(), default=None)
        out[c.hash] = (branch, coded(since, c.authored, branch))
        last[branch] = c.authored
    return out


def span_st(hours: int) -> st.SearchStrategy[Span]:
    return st.builds(
        lambda start, length, branch, source: Span(
            T0 + start, T0 + start + length, source=source, editor="vim", file="/r/a.py",
            project="repo", branch=branch),
        st.integers(0, hours * 3600), st.integers(1, 1800),
        st.sampled_from(["main", "f", None]), st.sampled_from(["editor", "window"]))


def commit_st(hours: int) -> st.SearchStrategy[Commit]:
    return st.builds(
        lambda i, at, email, parents: Commit(f"{i:040x}", parents, email, "x", T0 + at,
                                             T0 + at, "s", 1, 0),
        st.integers(0, 10**6), st.integers(-600, (hours + 1) * 3600),
        st.sampled_from([ME, ME, OTHER]), st.sampled_from([1, 1, 1, 2]))


def check_against_reference(store: Store, spans: list[Span], commits: list[Commit],
                            stored: list[Span] = ()) -> None:
    """Commit times with `spans` added equal the reference (`stored`: spans already there)."""
    store.add_spans(spans)
    store.save_commits("/r", "repo", Change("f", commits, set()), {ME})
    got = Commits(store, Analytics(store, TinyRules(), ZoneInfo("UTC"))).times()
    want = reference([*stored, *spans], commits, {ME})
    assert {t.commit.hash for t in got} == set(want)
    for t in got:
        branch, seconds = want[t.commit.hash]
        assert t.branch == branch
        assert t.seconds == pytest.approx(seconds, abs=1e-6)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=st.lists(span_st(4), max_size=25),
       commits=st.lists(commit_st(4), max_size=12, unique_by=lambda c: c.hash))
def test_commit_times_equal_the_reference(tmp_path_factory, spans, commits):
    store = Store(tmp_path_factory.mktemp("c") / "tf.sqlite3", device="dev-a")
    try:
        check_against_reference(store, spans, commits)
    finally:
        store.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=st.lists(span_st(3 * 24), max_size=40),
       commits=st.lists(commit_st(3 * 24), max_size=12, unique_by=lambda c: c.hash))
def test_commit_times_over_days_equal_the_reference(tmp_path_factory, spans, commits):
    """Across UTC days: whole days come from the day rollups, the rest from quarters."""
    store = Store(tmp_path_factory.mktemp("c") / "tf.sqlite3", device="dev-a")
    try:
        check_against_reference(store, spans, commits)
    finally:
        store.close()


@pytest.mark.parametrize("hour", [0, 1, 23.75, 24, 24.2])
def test_commits_next_to_midnight_equal_the_reference(store, hour):
    """Coding the evening before, commits just before, at and after midnight: the lookback
    and the day's start cross the day boundary."""
    spans = [Span(T0 + h * 3600, T0 + h * 3600 + 1500, source="editor", editor="vim",
                  file="/r/a.py", project="repo", branch=b)
             for h, b in ((20, "main"), (22.5, "f"), (23.6, "main"), (24.1, "f"))]
    commits = [Commit(f"{i:040x}", 1, ME, "x", T0 + at * 3600, T0 + at * 3600, "s", 1, 0)
               for i, at in enumerate((21, hour, hour + 0.3, 48))]
    check_against_reference(store, spans, commits)


def test_commit_times_across_activity_blocks_equal_the_reference(store):
    """A project's quarters are read from the 32-day activity blocks that may hold them (the
    quarter rollups have no index by activity, schema step 23): past blocks summed, one not
    summed (as after a change), the current one (summed when first read), coding across a
    block boundary, another project's coding beside it."""
    size, day = named_blocks.ACTIVITY_BLOCK, 86400
    boundary = (int(T0 // day) // size) * size * day  # where T0's block starts
    current = (int(time.time() // day) // size) * size * day  # the current block's first day
    far, unsummed = T0 - 300 * day, T0 - 200 * day

    def coding(a: float, b: float, branch: str, project: str = "repo") -> Span:
        return Span(a, b, source="editor", editor="vim", file=f"/r/{project}.py",
                    project=project, branch=branch)
    spans = [coding(far + 36000, far + 39600, "main"),
             coding(far + 37800, far + 43200, "x", "other"),
             coding(unsummed + 32400, unsummed + 36000, "f"),
             coding(boundary - 600, boundary + 600, "main"),
             coding(boundary + 3600, boundary + 4000, "main", "other"),
             coding(current + 3600, current + 5400, "f")]
    commits = [Commit(f"{i:040x}", 1, email, "x", at, at, "s", 1, 0) for i, (at, email) in
               enumerate(((far + 41400, ME), (unsummed + 36000, ME), (boundary + 700, ME),
                          (boundary + 4100, OTHER), (current + 6000, ME)))]
    store.add_spans(spans)
    store.refresh_rollups()
    block = int(unsummed // day) // size
    store._conn.execute("DELETE FROM rollup_activity_block WHERE block = ?", (block,))
    store._conn.execute("DELETE FROM activity_block_done WHERE block = ?", (block,))
    check_against_reference(store, [], commits, spans)


# -- the CLI -----------------------------------------------------------------------------------

def test_report_by_commit_and_by_pull_request(repo, tf_home):
    """A real `timeforged report --by commit|pr` on a real repository and data folder."""
    from desktop.engine import paths
    from tests.cli.test_commands import tf

    day = 1_767_261_600.0  # 2026-01-01 10:00 UTC
    store = Store(paths.database_file(Path(tf_home)))
    store.add_spans([editor(day, day + 3000, repo, "main"),
                     editor(day + 3000, day + 5400, repo, "pr/7")])
    store.close()
    first = commit(repo, "a.py", 4, day + 3000)
    git(repo, "checkout", "-q", "-b", "pr/7")
    second = commit(repo, "b.py", 9, day + 5400)
    rows = json.loads(tf(tf_home, "report", "--from", "2026-01-01", "--to", "2026-01-01",
                         "--by", "commit", "--format", "json").stdout)
    assert [(r["commit"], r["branch"], r["total_seconds"], r["lines_added"], r["pull"])
            for r in rows["items"]] == [(second, "pr/7", 2400, 9, "#7"),
                                        (first, "main", 3000, 4, None)]
    assert rows["total_seconds"] == 5400
    pulls = json.loads(tf(tf_home, "report", "--from", "2026-01-01", "--to", "2026-01-01",
                          "--by", "pr", "--format", "json").stdout)["items"]
    assert pulls == [{"pull": "#7", "project": "stellar", "branch": "pr/7", "commits": 1,
                      "total_seconds": 2400, "lines_added": 9, "lines_deleted": 0}]
    table = tf(tf_home, "report", "--from", "2026-01-01", "--to", "2026-01-01",
               "--by", "commit").stdout
    assert second[:9] in table and "add b.py" in table and "1h 30m" in table
    empty = tf(tf_home, "report", "--from", "2025-01-01", "--to", "2025-01-02", "--by", "commit")
    assert "No commits of yours" in empty.stderr
    refused = tf(tf_home, "report", "--by", "commit", "--filter", "language=Go", ok=False)
    assert refused.returncode == 2 and "by project only" in refused.stderr
