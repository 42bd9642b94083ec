"""What the system says an app is, on each OS: Linux .desktop entries (real files, read by
pyxdg), macOS Info.plist and Windows registry contents (recorded from real apps: this machine
has neither), and how inference uses it."""

from __future__ import annotations

import plistlib
import time
from pathlib import Path

import pytest

import watchers.apps
from tests.gitrepo import make_repo
from watchers.apps.macos import BundleIndex, app_from_plist, document_path, kind_from_plist
from watchers.apps.windows import browsers_from, editors_from, program_of
from watchers.apps.xdg import DesktopIndex, kind_of
from watchers.apps.xdg import program_of as exec_program
from watchers.inference import infer
from watchers.observation import Observation
from watchers.window.base import WindowInfo

ENTRIES = {
    "org.geany.Geany.desktop": "Name=Geany\nExec=geany %F\nCategories=GTK;Development;IDE;"
                               "TextEditor;\nMimeType=text/plain;text/x-python;\n",
    "one.ablaze.floorp.desktop": "Name=Floorp\nExec=/usr/bin/flatpak run --branch=stable "
                                 "--arch=x86_64 --command=floorp one.ablaze.floorp %u\n"
                                 "StartupWMClass=floorp\nCategories=Network;WebBrowser;\n",
    "org.gnome.Ptyxis.desktop": "Name=Ptyxis\nExec=ptyxis --new-window\n"
                                "Categories=GNOME;GTK;System;TerminalEmulator;\n",
    "vim.desktop": "Name=Vim\nExec=vim %F\nTerminal=true\nCategories=Utility;TextEditor;\n",
    "org.gnome.Loupe.desktop": "Name=Image Viewer\nExec=loupe %U\nCategories=Graphics;\n"
                               "MimeType=image/png;\n",
    "builder.desktop": "Name=Builder\nExec=env GTK_THEME=Adwaita gnome-builder\n"
                       "Categories=Development;\nMimeType=text/x-csrc;\n",
}


def write_entries(folder: Path, entries: dict[str, str]) -> None:
    for name, body in entries.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"[Desktop Entry]\nType=Application\n{body}")


@pytest.fixture
def index(tmp_path: Path) -> DesktopIndex:
    write_entries(tmp_path / "system", ENTRIES)
    return DesktopIndex([tmp_path / "user", tmp_path / "system"], recheck=0)


def test_desktop_entries_say_what_an_app_is(index: DesktopIndex) -> None:
    kinds = {a.name: a.kind for a in index.installed()}
    assert kinds == {"Geany": "editor", "Floorp": "browser", "Ptyxis": "terminal",
                     "Builder": "editor"}  # vim runs in a terminal; an image viewer is none
    floorp = index.find(["floorp"])
    assert floorp is not None and floorp.names == {"one.ablaze.floorp", "floorp"}
    assert index.find(["org.geany.geany"]).name == "Geany"  # a Wayland app id
    assert index.find(["gnome-builder"]).name == "Builder"  # past `env VAR=...`
    assert index.find(["loupe", "vim"]) is None


def test_the_users_entries_win_and_changes_are_seen(index: DesktopIndex, tmp_path: Path) -> None:
    assert index.find(["geany"]) is not None
    write_entries(tmp_path / "user", {"org.geany.Geany.desktop": "Name=Geany\nHidden=true\n"})
    time.sleep(0.01)
    assert index.find(["geany"]) is None  # hidden by the user's own entry
    write_entries(tmp_path / "user", {"kde/org.kde.kwrite.desktop":
                                      "Name=KWrite\nExec=kwrite %U\nCategories=TextEditor;\n"})
    assert index.find(["kwrite"]).origin.endswith("kde/org.kde.kwrite.desktop")
    assert index.find(["kde-org.kde.kwrite"]) is not None  # its desktop file id


@pytest.mark.parametrize(("categories", "mimes", "kind"), [
    (["TerminalEmulator", "System"], [], "terminal"),
    (["Network"], ["x-scheme-handler/https"], "browser"),
    (["Utility", "TextEditor"], ["text/plain"], "editor"),
    (["Development"], ["text/x-python"], "editor"),
    (["Development"], ["application/x-sqlite3"], None),
    (["Office", "WordProcessor"], ["text/plain"], None),
])
def test_kind_from_categories_and_mime_types(categories, mimes, kind) -> None:
    assert kind_of(categories, mimes) == kind


@pytest.mark.parametrize(("command", "program"), [
    ("geany %F", "geany"), ("/usr/bin/featherpad %U", "featherpad"),
    ("env BAMF_DESKTOP_FILE_HINT=/x.desktop /snap/bin/code --force-user-env", "code"),
    ("/usr/bin/snap run zen-browser %U", "zen-browser"),
    ("flatpak run --branch=stable io.github.zen_browser.zen", "io.github.zen_browser.zen"),
    ('"unbalanced', None),
])
def test_exec_program(command: str, program: str | None) -> None:
    assert exec_program(command) == program


def test_inference_for_apps_the_system_knows(index, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(watchers.apps, "_INDEX", index)
    repo = make_repo(tmp_path / "stellar-api", "release/2.4", files={"src/handler.go": ""})
    file = repo / "src" / "handler.go"
    obs = infer(Observation(time=0.0), WindowInfo(
        app="Geany", wm_class="geany", title=f"handler.go - {file.parent} - Geany", pid=None))
    assert (obs.editor, obs.file, obs.project, obs.branch, obs.language) == (
        "Geany", str(file), "stellar-api", "release/2.4", "Go")
    assert obs.sources["editor"] == "editor.desktop"
    obs = infer(Observation(time=0.0), WindowInfo(
        app="floorp", wm_class="floorp", title="Pull requests · acme/api · GitHub — Floorp"))
    assert (obs.browser, obs.title, obs.site) == ("Floorp", "Pull requests · acme/api · GitHub",
                                                  "github.com")
    obs = infer(Observation(time=0.0), WindowInfo(
        app="floorp", title="Secret — Floorp Private Browsing"))
    assert obs.private is True and obs.title is None
    # "Preferences - Geany": a title word that names no real file is not a file.
    obs = infer(Observation(time=0.0), WindowInfo(app="geany", title="notes.txt - Geany"))
    assert (obs.editor, obs.file, obs.project) == ("Geany", None, None)


# -- macOS: Info.plist as real bundles have them (keys trimmed to those that matter) ----------

BBEDIT = {"CFBundleIdentifier": "com.barebones.bbedit", "CFBundleName": "BBEdit",
          "CFBundleExecutable": "BBEdit",
          "CFBundleDocumentTypes": [{"CFBundleTypeRole": "Editor",
                                     "LSItemContentTypes": ["public.plain-text",
                                                            "public.source-code"]}]}
FIREFOX = {"CFBundleIdentifier": "org.mozilla.firefox", "CFBundleName": "Firefox",
           "CFBundleExecutable": "firefox",
           "CFBundleURLTypes": [{"CFBundleURLName": "http URL",
                                 "CFBundleURLSchemes": ["http"]}]}
ITERM = {"CFBundleIdentifier": "com.googlecode.iterm2", "CFBundleName": "iTerm2",
         "CFBundleExecutable": "iTerm2",
         "CFBundleDocumentTypes": [{"CFBundleTypeRole": "Shell",
                                    "LSItemContentTypes": ["public.unix-executable"]}]}
NOVA = {"CFBundleIdentifier": "com.panic.Nova", "CFBundleName": "Nova",
        "LSApplicationCategoryType": "public.app-category.developer-tools",
        "CFBundleDocumentTypes": [{"CFBundleTypeRole": "Viewer",
                                   "CFBundleTypeExtensions": ["py", "go"]}]}
PREVIEW = {"CFBundleIdentifier": "com.apple.Preview", "CFBundleName": "Preview",
           "CFBundleDocumentTypes": [{"CFBundleTypeRole": "Viewer",
                                      "LSItemContentTypes": ["public.png"]}]}


@pytest.mark.parametrize(("info", "kind"), [(BBEDIT, "editor"), (FIREFOX, "browser"),
                                            (ITERM, "terminal"), (NOVA, "editor"),
                                            (PREVIEW, None)])
def test_info_plist_says_what_an_app_is(info, kind) -> None:
    assert kind_from_plist(info) == kind


def test_bundles_are_indexed_and_axdocument_gives_the_file(tmp_path, monkeypatch) -> None:
    for name, info in (("BBEdit", BBEDIT), ("Preview", PREVIEW)):
        contents = tmp_path / "Applications" / f"{name}.app" / "Contents"
        contents.mkdir(parents=True)
        (contents / "Info.plist").write_bytes(plistlib.dumps(info))
    index = BundleIndex((str(tmp_path / "Applications"),), recheck=0)
    assert [a.name for a in index.installed()] == ["BBEdit"]
    bbedit = index.find(["com.barebones.bbedit"])
    assert bbedit is not None and bbedit.source == "plist"
    assert app_from_plist("/Applications/X.app", {"CFBundleName": "X"}) is None

    monkeypatch.setattr(watchers.apps, "_INDEX", index)
    repo = make_repo(tmp_path / "stellar-api", "release/2.4", files={"src/handler.go": ""})
    url = (repo / "src" / "handler.go").as_uri()
    window = WindowInfo(app="BBEdit", wm_class="com.barebones.bbedit", title="handler.go",
                        document=document_path(url))
    obs = infer(Observation(time=0.0), window)
    assert (obs.editor, obs.file, obs.branch) == ("BBEdit", str(repo / "src" / "handler.go"),
                                                  "release/2.4")
    assert obs.sources["file"] == "editor.document"
    assert document_path("https://example.com/x") is None


# -- Windows: registry contents as real installations have them --------------------------

def test_registry_browsers_and_editors() -> None:
    browsers = browsers_from({
        "Floorp-1A2B": {"name": "Floorp",
                        "command": '"C:\\Program Files\\Ablaze Floorp\\floorp.exe"'},
        "Thorium": {"name": "Thorium", "command": '"C:\\Users\\ana\\AppData\\Local\\Thorium'
                                                  '\\Application\\thorium.exe" -- "%1"'},
        "Broken": {"name": "Broken", "command": ""}})
    assert [(b.name, sorted(b.names)) for b in browsers] == [
        ("Floorp", ["floorp", "floorp.exe"]), ("Thorium", ["thorium", "thorium.exe"])]
    editors = editors_from({
        ".py": [("Python File", '"C:\\Python312\\python.exe" "%1" %*'),
                ("Notepad++", '"C:\\Program Files\\Notepad++\\notepad++.exe" "%1"')],
        ".txt": [("", "C:\\Windows\\system32\\NOTEPAD.EXE %1"),
                 ("Notepad++", '"C:\\Program Files\\Notepad++\\notepad++.exe" "%1"')]})
    assert sorted(e.name for e in editors) == ["Notepad++", "notepad"]
    assert all(e.kind == "editor" and e.source == "registry" for e in editors)
    assert program_of("C:\\Program Files\\Sublime Text\\sublime_text.exe -w %1") == \
        "sublime_text.exe"


# -- the desktop's recent documents, and `timeforged apps` --------------------------------

def test_recent_documents_give_a_bare_name_its_path(tmp_path: Path) -> None:
    from watchers.recent_files import RecentFiles

    old, new = tmp_path / "old" / "handler.go", tmp_path / "new" / "handler.go"
    kde_doc = tmp_path / "kde" / "notes.md"
    for path in (old, new, kde_doc):
        path.parent.mkdir(parents=True)
        path.write_text("")
    data = tmp_path / "share"
    (data / "RecentDocuments").mkdir(parents=True)
    (data / "recently-used.xbel").write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<xbel version="1.0" xmlns:bookmark="http://www.freedesktop.org/standards/desktop-bookmarks">
  <bookmark href="{old.as_uri()}" added="2026-01-01T10:00:00Z"
            modified="2026-01-01T10:00:00Z" visited="2026-01-01T10:00:00Z"/>
  <bookmark href="{new.as_uri()}" added="2026-02-01T10:00:00.5Z"
            modified="2026-02-01T10:00:00.5Z" visited="2026-02-01T10:00:00.5Z"/>
  <bookmark href="{(tmp_path / 'gone.py').as_uri()}" modified="2026-03-01T10:00:00Z"/>
  <bookmark href="https://example.com/handler.go" modified="2026-03-01T10:00:00Z"/>
</xbel>""")
    (data / "RecentDocuments" / "notes.md.desktop").write_text(
        f"[Desktop Entry]\nName=notes.md\nType=Link\nURL[$e]={kde_doc.as_uri()}\n")
    recent = RecentFiles(data)
    assert recent.path_for("handler.go") == str(new)  # the newest of the two
    assert recent.path_for("notes.md") == str(kde_doc)
    assert recent.path_for("gone.py") is None  # listed, but no longer there
    (data / "recently-used.xbel").write_text("<xbel><bookmark href=")  # torn while written
    assert RecentFiles(data).path_for("handler.go") is None


def test_timeforged_apps_lists_what_it_recognizes_and_how(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    write_entries(tmp_path / "share" / "applications", ENTRIES)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "home-share"),
           "XDG_DATA_DIRS": str(tmp_path / "share")}
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "apps", "--json"],
                          cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = {(r["kind"], r["name"]): r for r in json.loads(done.stdout)}
    assert rows["editor", "Geany"]["how"] == "its .desktop entry"
    assert rows["browser", "Floorp"]["origin"].endswith("one.ablaze.floorp.desktop")
    assert rows["terminal", "Ptyxis"]["names"] == ["org.gnome.ptyxis", "ptyxis"]


def test_a_path_anywhere_in_the_title(tmp_path: Path) -> None:
    from watchers.inference import path_in_title

    file = tmp_path / "src" / "handler.go"
    file.parent.mkdir()
    file.write_text("")
    for title in (f"Editing {file} (modified) - Foo", f"*{file} - Foo", f"[{file}]",
                  f"Foo: {file}", f"{file}"):
        assert path_in_title(title) == str(file), title
    assert path_in_title(f"{tmp_path}/missing.go - Foo") is None
    assert path_in_title("https://example.com/src/handler.go") is None
