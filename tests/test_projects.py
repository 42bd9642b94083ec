"""Project roots and branches on real repositories: branches, worktrees, detached HEAD,
submodule-style `gitdir:` files, Mercurial, markers, and what is never a project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gitrepo import git, make_repo
from watchers import projects
from watchers.projects import branch_of, find_project, read_git_branch


@pytest.fixture(autouse=True)
def _fresh_caches():
    projects.clear_caches()
    yield
    projects.clear_caches()


def test_branch_and_root_of_a_file_deep_in_a_repo(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", files={"pkg/sub/mod.py": "x = 1\n"})
    project = find_project(str(repo / "pkg" / "sub" / "mod.py"))
    assert project is not None
    assert (project.name, project.path, project.vcs) == ("repo", str(repo), "git")
    assert branch_of(project) == "feature/x"


def test_linked_worktree_reads_its_own_head(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "worktree", "add", "-q", "-b", "hotfix/y", str(tmp_path / "wt"))
    assert (tmp_path / "wt" / ".git").is_file()  # a "gitdir:" file, not a directory
    project = find_project(str(tmp_path / "wt" / "foo.py"))
    assert project is not None and (project.name, project.vcs) == ("wt", "git")
    assert branch_of(project) == "hotfix/y"
    assert read_git_branch(str(repo)) == "feature/x"


def test_relative_gitdir_file(tmp_path: Path) -> None:
    """Submodules point at their git directory with a relative path."""
    repo = make_repo(tmp_path / "repo")
    (tmp_path / "modules").mkdir()
    os.rename(repo / ".git", tmp_path / "modules" / "repo.git")
    (repo / ".git").write_text("gitdir: ../modules/repo.git\n")
    assert read_git_branch(str(repo)) == "feature/x"


def test_detached_head_gives_the_short_hash(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "--detach")
    assert read_git_branch(str(repo)) == sha[:7]


def test_branch_cache_expires(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = find_project(str(repo))
    assert project is not None
    assert branch_of(project, now=100.0) == "feature/x"
    git(repo, "checkout", "-q", "main")
    assert branch_of(project, now=100.5) == "feature/x"  # cached
    assert branch_of(project, now=100.0 + projects.BRANCH_TTL + 1) == "main"


def test_nearest_vcs_root_beats_a_nearer_marker(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "mono", files={"svc/pyproject.toml": "", "svc/app.py": ""})
    project = find_project(str(repo / "svc" / "app.py"))
    assert project is not None and (project.name, project.vcs) == ("mono", "git")


def test_marker_without_vcs(tmp_path: Path) -> None:
    (tmp_path / "outer").mkdir()
    (tmp_path / "outer" / "package.json").write_text("{}")
    (tmp_path / "outer" / "crate").mkdir()
    (tmp_path / "outer" / "crate" / "Cargo.toml").write_text("")
    (tmp_path / "outer" / "crate" / "src").mkdir()
    project = find_project(str(tmp_path / "outer" / "crate" / "src" / "main.rs"))
    assert project is not None
    assert (project.name, project.path, project.vcs) == ("crate", str(tmp_path / "outer" / "crate"),
                                                         None)
    assert branch_of(project) is None


def test_mercurial_branch(tmp_path: Path) -> None:
    (tmp_path / "hgproj" / ".hg").mkdir(parents=True)
    project = find_project(str(tmp_path / "hgproj" / "a.py"))
    assert project is not None and project.vcs == "hg"
    assert branch_of(project) == "default"
    projects.clear_caches()
    (tmp_path / "hgproj" / ".hg" / "branch").write_text("stable\n")
    assert branch_of(project) == "stable"


def test_home_and_root_are_not_projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".git").mkdir(parents=True)  # a dotfiles repository
    (home / "notes").mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert find_project(str(home / "notes" / "todo.md")) is None
    assert find_project("/") is None
