"""Project of a path: the root of the repository holding it, its name and its branch.

The nearest version-control root (.git, .hg, .svn) wins; without one, the nearest
project marker (pyproject.toml, package.json, Cargo.toml...). The home directory and
the filesystem root are never projects (a dotfiles repository in ~ is not "the project").
Lookups are cached per directory with a short TTL; the git branch is read from HEAD
directly (worktrees and submodules via their `gitdir:` file, detached HEAD as a short hash).
"""

from __future__ import annotations

import os

from watchers.records import Frozen
from watchers.ttlcache import TtlCache

VCS_DIRS = (".git", ".hg", ".svn")
MARKERS = (
    "pyproject.toml", "setup.py", "setup.cfg", "package.json", "Cargo.toml", "go.mod",
    "pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "CMakeLists.txt",
    "meson.build", "Gemfile", "composer.json", "mix.exs", "stack.yaml", "dune-project",
    "Package.swift", "pubspec.yaml", "deno.json", "Makefile", "flake.nix",
)
ROOT_TTL = 10.0
BRANCH_TTL = 2.0


class Project(Frozen):
    __slots__ = ("name", "path", "vcs")

    name: str
    path: str
    vcs: str | None  # "git", "hg", "svn" or None when found by a marker

    def __init__(self, name: str, path: str, vcs: str | None) -> None:
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "path", path)
        set_(self, "vcs", vcs)


_roots: TtlCache[str, Project | None] = TtlCache(ROOT_TTL, 4096)
_branches: TtlCache[str, str | None] = TtlCache(BRANCH_TTL, 1024)


def _scan(directory: str) -> Project | None:
    marker_root: str | None = None
    home = os.path.expanduser("~")
    path = directory
    while path != home and path != os.path.dirname(path):
        for vcs_dir in VCS_DIRS:
            if os.path.exists(os.path.join(path, vcs_dir)):
                return Project(os.path.basename(path), path, vcs_dir[1:])
        if marker_root is None and any(os.path.exists(os.path.join(path, m)) for m in MARKERS):
            marker_root = path
        path = os.path.dirname(path)
    if marker_root is None:
        return None
    return Project(os.path.basename(marker_root), marker_root, None)


def find_project(path: str, *, now: float | None = None) -> Project | None:
    """The project holding `path` (a file or a directory), or None."""
    path = os.path.abspath(os.path.expanduser(path))
    directory = path if os.path.isdir(path) else os.path.dirname(path)
    return _roots.get(directory, lambda: _scan(directory), now)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(4096).strip()
    except OSError:
        return None


def git_dir(root: str) -> str | None:
    """The git directory of the work tree `root`: `root/.git`, or where its `gitdir:` file
    points (linked worktrees, submodules)."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    content = _read(dot_git)
    if content is None or not content.startswith("gitdir:"):
        return None
    target = content[len("gitdir:"):].strip()
    return os.path.normpath(os.path.join(root, target))


def read_git_branch(root: str) -> str | None:
    """The checked-out branch of the git work tree at `root` ("feature/x"); a detached HEAD
    gives the short commit hash; None if unreadable."""
    gdir = git_dir(root)
    head = _read(os.path.join(gdir, "HEAD")) if gdir else None
    if not head:
        return None
    if head.startswith("ref:"):
        ref = head[4:].strip()
        return ref.removeprefix("refs/heads/")
    if len(head) >= 7 and all(c in "0123456789abcdef" for c in head[:40]):
        return head[:7]
    return None


def read_hg_branch(root: str) -> str | None:
    return _read(os.path.join(root, ".hg", "branch")) or "default"


def branch_of(project: Project, *, now: float | None = None) -> str | None:
    """The project's current branch (git or Mercurial), cached briefly."""
    if project.vcs not in ("git", "hg"):
        return None
    read = read_git_branch if project.vcs == "git" else read_hg_branch
    return _branches.get(project.path, lambda: read(project.path), now)


def clear_caches() -> None:
    _roots.clear()
    _branches.clear()
