"""The engine reads new commits on its own thread every few minutes (desktop.engine
commit_refresh), and a pass where no ref moved reads nothing."""

from __future__ import annotations

import threading
from zoneinfo import ZoneInfo

from desktop.engine.analytics import Analytics
from desktop.engine.commit_refresh import CommitReader
from desktop.engine.commits import Commits
from desktop.engine.store import Store
from tests.store_helpers import T0, TinyRules
from tests.test_commits import commit, editor, git, repo  # noqa: F401 (repo is a fixture)
from tests.test_failures import engine_on


def test_a_pass_reads_only_what_moved(repo, tmp_path):  # noqa: F811
    store = Store(tmp_path / "tf.sqlite3", device="dev-a")
    try:
        store.add_spans([editor(T0, T0 + 600, repo, "main")])
        first = commit(repo, "a.py", 2, T0 + 600)
        reader = CommitReader(Commits(store, Analytics(store, TinyRules(), ZoneInfo("UTC"))))
        assert reader.run_once() is True
        assert store.commit_hashes(str(repo)) == {first}
        assert reader.run_once() is False  # refs unchanged: nothing read
        second = commit(repo, "b.py", 1, T0 + 900)
        assert reader.run_once() is True
        assert store.commit_hashes(str(repo)) == {first, second}
        git(repo, "tag", "v1")  # a moved ref with no new commit: read, nothing added
        assert reader.run_once() is True and reader.run_once() is False
        assert reader.problems == []
    finally:
        store.close()


def test_the_running_engine_reads_commits_in_the_background(repo, tmp_path):  # noqa: F811
    home = tmp_path / "home"
    engine = engine_on(home)
    engine.store.add_spans([editor(T0, T0 + 600, repo, "main")])
    head = commit(repo, "a.py", 2, T0 + 600)
    engine.commit_reader.first_delay = 0.0
    read = threading.Event()
    engine.subscribe(lambda kind, _: read.set() if kind == "commits" else None)
    engine.start()
    try:
        assert read.wait(30), "the engine never read the repository"
        assert engine.store.commit_hashes(str(repo)) == {head}
        assert engine.commit_reader._thread is not None
    finally:
        engine.stop()
    assert engine.commit_reader._thread is None
