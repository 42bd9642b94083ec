"""Title parsing against window titles of every editor, terminal and browser, in each OS's
format (Linux X11, Windows, macOS where the app name is not in the title). The titles follow
the apps' default title formats; they were written from those formats, not captured here."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchers.browsers import browser_for, parse_browser_title
from watchers.editors import TitleFacts, editor_for, parse_editor_title
from watchers.inference import infer
from watchers.observation import Observation
from watchers.terminals import TerminalTitle, parse_terminal_title, terminal_for
from watchers.window.base import WindowInfo

H = os.path.expanduser("~")

# (app name as the window system gives it, title, expected editor, expected TitleFacts)
EDITOR_TITLES: list[tuple[str, str, str, TitleFacts]] = [
    # VS Code family, Linux / Windows
    ("code", "● app.py - myproj - Visual Studio Code", "VS Code",
     TitleFacts(file="app.py", project="myproj")),
    ("Code", "app.py - myproj - Visual Studio Code", "VS Code",
     TitleFacts(file="app.py", project="myproj")),
    ("code", "myproj - Visual Studio Code", "VS Code", TitleFacts(project="myproj")),
    ("code", "Welcome - Visual Studio Code", "VS Code", TitleFacts()),
    ("code", "Untitled-1 - myproj - Visual Studio Code", "VS Code", TitleFacts(project="myproj")),
    ("code", "Settings - myproj - Visual Studio Code", "VS Code", TitleFacts(project="myproj")),
    ("code", "app.py - myproj [SSH: devbox] - Visual Studio Code", "VS Code",
     TitleFacts(file="app.py", project="myproj", remote="SSH: devbox")),
    ("Code.exe", "main.rs - tool [WSL: Ubuntu] - Visual Studio Code", "VS Code",
     TitleFacts(file="main.rs", project="tool", remote="WSL: Ubuntu")),
    ("code", "index.ts - web [Dev Container: Node.js & TypeScript] - Visual Studio Code",
     "VS Code", TitleFacts(file="index.ts", project="web",
                           remote="Dev Container: Node.js & TypeScript")),
    ("code", "app.py - stack (Workspace) - Visual Studio Code", "VS Code",
     TitleFacts(file="app.py", project="stack")),
    ("code", "● app.py - stack — Workspace - Visual Studio Code", "VS Code",
     TitleFacts(file="app.py", project="stack")),
    ("code", "[Restricted Mode] app.py - myproj - Visual Studio Code", "VS Code",
     TitleFacts(file="app.py", project="myproj")),
    ("Code.exe", "app.py - myproj - Visual Studio Code [Administrator]", "VS Code",
     TitleFacts(file="app.py", project="myproj")),
    ("code", "app.py (Working Tree) - myproj - Visual Studio Code", "VS Code",
     TitleFacts(file="app.py", project="myproj")),
    ("code-insiders", "settings.json - myproj - Visual Studio Code - Insiders", "VS Code",
     TitleFacts(file="settings.json", project="myproj")),
    ("code-oss", "Makefile - myproj - Code - OSS", "VS Code",
     TitleFacts(file="Makefile", project="myproj")),
    ("Code", "app.py — myproj", "VS Code", TitleFacts(file="app.py", project="myproj")),  # macOS
    ("Visual Studio Code", "● app.py — myproj [SSH: devbox]", "VS Code",
     TitleFacts(file="app.py", project="myproj", remote="SSH: devbox")),
    ("VSCodium", "app.py - myproj - VSCodium", "VSCodium",
     TitleFacts(file="app.py", project="myproj")),
    ("Cursor", "● page.tsx - webapp - Cursor", "Cursor",
     TitleFacts(file="page.tsx", project="webapp")),
    # JetBrains: modern "project – file" (en dash, all OSes), older styles with the path
    ("jetbrains-pycharm", "myproj – app.py", "PyCharm",
     TitleFacts(file="app.py", project="myproj")),
    ("pycharm64.exe", "myproj – app.py", "PyCharm", TitleFacts(file="app.py", project="myproj")),
    ("PyCharm", "myproj – app.py", "PyCharm", TitleFacts(file="app.py", project="myproj")),
    ("jetbrains-pycharm-ce", "myproj [~/src/myproj] - .../src/app.py [myproj] - PyCharm",
     "PyCharm", TitleFacts(file="app.py", project="myproj", project_dir=f"{H}/src/myproj")),
    ("jetbrains-pycharm", "myproj - [~/src/myproj] - app.py - PyCharm 2019.3", "PyCharm",
     TitleFacts(file="app.py", project="myproj", project_dir=f"{H}/src/myproj")),
    ("jetbrains-idea", "shop – OrderService.java", "IntelliJ IDEA",
     TitleFacts(file="OrderService.java", project="shop")),
    ("idea64.exe", r"shop [C:\Users\me\shop] – ...\src\main\java\Order.java [shop.main]",
     "IntelliJ IDEA", TitleFacts(file="Order.java", project="shop",
                                 project_dir=r"C:\Users\me\shop")),
    ("jetbrains-idea-ce", "shop – build.gradle.kts", "IntelliJ IDEA",
     TitleFacts(file="build.gradle.kts", project="shop")),
    ("IntelliJ IDEA", "shop", "IntelliJ IDEA", TitleFacts(project="shop")),
    ("jetbrains-webstorm", "web – index.tsx", "WebStorm",
     TitleFacts(file="index.tsx", project="web")),
    ("jetbrains-goland", "svc – main.go", "GoLand", TitleFacts(file="main.go", project="svc")),
    ("jetbrains-clion", "engine – main.cpp", "CLion",
     TitleFacts(file="main.cpp", project="engine")),
    ("rider64.exe", "Shop – Program.cs", "Rider", TitleFacts(file="Program.cs", project="Shop")),
    ("jetbrains-rubymine", "blog – application_controller.rb", "RubyMine",
     TitleFacts(file="application_controller.rb", project="blog")),
    ("jetbrains-phpstorm", "site – index.php", "PhpStorm",
     TitleFacts(file="index.php", project="site")),
    ("jetbrains-datagrip", "warehouse – console.sql", "DataGrip",
     TitleFacts(file="console.sql", project="warehouse")),
    ("jetbrains-studio", "MyApp – MainActivity.kt", "Android Studio",
     TitleFacts(file="MainActivity.kt", project="MyApp")),
    ("jetbrains-rustrover", "tool – lib.rs", "RustRover",
     TitleFacts(file="lib.rs", project="tool")),
    # Sublime Text
    ("sublime_text", "~/src/myproj/app.py (myproj) - Sublime Text", "Sublime Text",
     TitleFacts(file=f"{H}/src/myproj/app.py", project="myproj")),
    ("sublime_text", "~/src/myproj/app.py • (myproj) - Sublime Text", "Sublime Text",
     TitleFacts(file=f"{H}/src/myproj/app.py", project="myproj")),
    ("sublime_text.exe", r"C:\Users\me\src\myproj\app.py (myproj) - Sublime Text", "Sublime Text",
     TitleFacts(file=r"C:\Users\me\src\myproj\app.py", project="myproj")),
    ("sublime_text", "untitled - Sublime Text (UNREGISTERED)", "Sublime Text", TitleFacts()),
    ("Sublime Text", "app.py — myproj", "Sublime Text",
     TitleFacts(file="app.py", project="myproj")),
    # Vim, gVim, Neovim and its GUIs
    ("vim", "app.py (~/src/myproj) - VIM", "Vim",
     TitleFacts(file="app.py", directory=f"{H}/src/myproj")),
    ("vim", "app.py + (~/src/myproj) - VIM", "Vim",
     TitleFacts(file="app.py", directory=f"{H}/src/myproj")),
    ("vim", "hosts = (/etc) - VIM", "Vim", TitleFacts(file="hosts", directory="/etc")),
    ("vim", "app.py (~/src/myproj) (2 of 3) - VIM", "Vim",
     TitleFacts(file="app.py", directory=f"{H}/src/myproj")),
    ("vim", "VIM", "Vim", TitleFacts()),
    ("vim", "[No Name] - VIM", "Vim", TitleFacts()),
    ("Gvim", "app.py (~/src/myproj) - GVIM1", "gVim",
     TitleFacts(file="app.py", directory=f"{H}/src/myproj")),
    ("gvim.exe", r"app.py (C:\Users\me\src\myproj) - GVIM", "gVim",
     TitleFacts(file="app.py", directory=r"C:\Users\me\src\myproj")),
    ("nvim", "app.py (~/src/myproj) - NVIM", "Neovim",
     TitleFacts(file="app.py", directory=f"{H}/src/myproj")),
    ("nvim-qt", "app.py + (~/src/myproj) - Nvim", "Neovim",
     TitleFacts(file="app.py", directory=f"{H}/src/myproj")),
    ("neovide", "main.rs [+] (~/src/tool) - Nvim", "Neovim",
     TitleFacts(file="main.rs", directory=f"{H}/src/tool")),
    ("neovide", "Neovide", "Neovim", TitleFacts()),
    # Emacs
    ("Emacs", "app.py - GNU Emacs at devbox", "Emacs", TitleFacts(file="app.py")),
    ("emacs", "app.py<myproj> - GNU Emacs at devbox", "Emacs", TitleFacts(file="app.py")),
    ("emacs", "*scratch* - GNU Emacs at devbox", "Emacs", TitleFacts()),
    ("emacs", "emacs@devbox", "Emacs", TitleFacts()),
    ("emacs", "app.cgi [Python] - Doom Emacs", "Emacs",
     TitleFacts(file="app.cgi", language="Python")),
    ("Emacs", "app.py", "Emacs", TitleFacts(file="app.py")),  # macOS
    # Zed, Kate, gedit, GNOME Text Editor
    ("dev.zed.Zed", "myproj — app.py", "Zed", TitleFacts(file="app.py", project="myproj")),
    ("Zed", "myproj — app.py — Zed", "Zed", TitleFacts(file="app.py", project="myproj")),
    ("kate", "app.py — Kate", "Kate", TitleFacts(file="app.py")),
    ("kate", "app.py * — Kate", "Kate", TitleFacts(file="app.py")),
    ("org.kde.kate", "~/src/myproj/app.py — Kate", "Kate",
     TitleFacts(file=f"{H}/src/myproj/app.py")),
    ("gedit", "*app.py (~/src/myproj) - gedit", "gedit",
     TitleFacts(file="app.py", directory=f"{H}/src/myproj")),
    ("org.gnome.gedit", "app.py (~/src/myproj) - gedit", "gedit",
     TitleFacts(file="app.py", directory=f"{H}/src/myproj")),
    ("gnome-text-editor", "app.py (~/src/myproj) - Text Editor", "GNOME Text Editor",
     TitleFacts(file="app.py", directory=f"{H}/src/myproj")),
    # Xcode (macOS: the app name is separate), Visual Studio (Windows)
    ("Xcode", "MyApp — ContentView.swift", "Xcode",
     TitleFacts(file="ContentView.swift", project="MyApp")),
    ("Xcode", "MyApp.xcodeproj — ContentView.swift", "Xcode",
     TitleFacts(file="ContentView.swift", project="MyApp")),
    ("Xcode", "MyApp — Edited", "Xcode", TitleFacts(project="MyApp")),
    ("devenv.exe", "Shop - Microsoft Visual Studio", "Visual Studio", TitleFacts(project="Shop")),
    ("devenv.exe", "Program.cs - Shop - Microsoft Visual Studio", "Visual Studio",
     TitleFacts(file="Program.cs", project="Shop")),
    ("devenv.exe", "Shop (Debugging) - Microsoft Visual Studio", "Visual Studio",
     TitleFacts(project="Shop")),
    ("devenv.exe", "Shop (Running) - Microsoft Visual Studio (Administrator)", "Visual Studio",
     TitleFacts(project="Shop")),
    ("devenv.exe", "Shop - Microsoft Visual Studio Preview", "Visual Studio",
     TitleFacts(project="Shop")),
]


@pytest.mark.parametrize(("app", "title", "editor", "facts"), EDITOR_TITLES,
                         ids=[f"{a}|{t}" for a, t, _, _ in EDITOR_TITLES])
def test_editor_titles(app: str, title: str, editor: str, facts: TitleFacts) -> None:
    spec = editor_for([app.lower().removesuffix(".exe"), app.lower()])
    assert spec is not None and spec.name == editor
    assert parse_editor_title(spec, title) == facts


# (app, title, expected TerminalTitle)
TERMINAL_TITLES: list[tuple[str, str, str, TerminalTitle]] = [
    ("gnome-terminal-server", "me@devbox: ~/src/myproj", "GNOME Terminal",
     TerminalTitle(directory=f"{H}/src/myproj", host="devbox")),
    ("Gnome-terminal", "nvim app.py", "GNOME Terminal",
     TerminalTitle(command=("nvim", "app.py"))),
    ("konsole", "~/src/myproj : nvim — Konsole", "Konsole",
     TerminalTitle(directory=f"{H}/src/myproj", command=("nvim",))),
    ("konsole", "myproj : bash — Konsole", "Konsole", TerminalTitle(directory_name="myproj")),
    ("XTerm", "me@devbox:~/src/myproj$", "xterm",
     TerminalTitle(directory=f"{H}/src/myproj", host="devbox")),
    ("xterm", "vim app.py", "xterm", TerminalTitle(command=("vim", "app.py"))),
    ("Alacritty", "Alacritty", "Alacritty", TerminalTitle()),
    ("Alacritty", "/etc", "Alacritty", TerminalTitle(directory="/etc")),
    ("kitty", "nvim app.py", "kitty", TerminalTitle(command=("nvim", "app.py"))),
    ("kitty", "vim — myproj", "kitty", TerminalTitle(directory_name="myproj", command=("vim",))),
    ("org.wezfurlong.wezterm", "[1/2] nvim app.py", "WezTerm",
     TerminalTitle(command=("nvim", "app.py"))),
    ("wezterm-gui", "zsh", "WezTerm", TerminalTitle()),
    ("iTerm2", "nvim app.py (nvim)", "iTerm2", TerminalTitle(command=("nvim", "app.py"))),
    ("iTerm2", "~/src/myproj (-zsh)", "iTerm2", TerminalTitle(directory=f"{H}/src/myproj")),
    ("iTerm2", "1. me@mac: ~/src/myproj", "iTerm2",
     TerminalTitle(directory=f"{H}/src/myproj", host="mac")),
    ("Terminal", "myproj — -zsh — 80×24", "Terminal", TerminalTitle(directory_name="myproj")),
    ("Terminal", "myproj — vim app.py — 80×24", "Terminal",
     TerminalTitle(directory_name="myproj", command=("vim", "app.py"))),
    ("WindowsTerminal.exe", r"PS C:\Users\me\src\myproj>", "Windows Terminal",
     TerminalTitle(directory=r"C:\Users\me\src\myproj")),
    ("WindowsTerminal.exe", r"Administrator: PS C:\src\tool>", "Windows Terminal",
     TerminalTitle(directory=r"C:\src\tool")),
    ("WindowsTerminal.exe", "MINGW64:/c/Users/me/src/myproj", "Windows Terminal",
     TerminalTitle(directory=r"C:\Users\me\src\myproj")),
    ("WindowsTerminal.exe", r"C:\Users\me\src\myproj", "Windows Terminal",
     TerminalTitle(directory=r"C:\Users\me\src\myproj")),
    ("WindowsTerminal.exe", "me@DESKTOP: ~/src/myproj", "Windows Terminal",
     TerminalTitle(directory=f"{H}/src/myproj", host="DESKTOP")),
]


@pytest.mark.parametrize(("app", "title", "terminal", "shown"), TERMINAL_TITLES,
                         ids=[f"{a}|{t}" for a, t, _, _ in TERMINAL_TITLES])
def test_terminal_titles(app: str, title: str, terminal: str, shown: TerminalTitle) -> None:
    spec = terminal_for([app.lower().removesuffix(".exe"), app.lower()])
    assert spec is not None and spec.name == terminal
    assert parse_terminal_title(spec, title) == shown


# (app, title, browser, tab title, private, site)
BROWSER_TITLES: list[tuple[str, str, str, str | None, bool, str | None]] = [
    ("google-chrome", "Google - Google Chrome", "Chrome", "Google", False, "google.com"),
    ("Google-chrome", "python - How do I merge two dicts? - Stack Overflow - Google Chrome",
     "Chrome", "python - How do I merge two dicts? - Stack Overflow", False, "stackoverflow.com"),
    ("chrome.exe", "Fix race · Pull Request #12 · owner/repo - Google Chrome", "Chrome",
     "Fix race · Pull Request #12 · owner/repo", False, "github.com"),
    ("google-chrome", "owner/repo: A fast tool - Google Chrome", "Chrome",
     "owner/repo: A fast tool", False, "github.com"),
    ("google-chrome", "New Tab - Google Chrome", "Chrome", "New Tab", False, None),
    ("google-chrome", "New Tab - Google Chrome (Incognito)", "Chrome", None, True, None),
    ("google-chrome", "Secret plans - Google Chrome (Incognito)", "Chrome", None, True, None),
    ("google-chrome", "Some page - Google Chrome - Work", "Chrome", "Some page", False, None),
    ("google-chrome", "Talk - YouTube - Audio playing - Google Chrome", "Chrome",
     "Talk - YouTube", False, "youtube.com"),
    ("Google Chrome", "Private repos · GitHub", "Chrome", "Private repos · GitHub", False,
     "github.com"),  # macOS: no suffix, and "Private" in a page title is not private
    ("Chromium", "Inbox (3) - me@example.com - Gmail - Chromium", "Chromium",
     "Inbox (3) - me@example.com - Gmail", False, "mail.google.com"),
    ("brave-browser", "Show HN: A thing | Hacker News - Brave", "Brave",
     "Show HN: A thing | Hacker News", False, "news.ycombinator.com"),
    ("brave-browser", "Example Domain - Private - Brave", "Brave", None, True, None),
    ("brave.exe", "New Private Tab - Brave", "Brave", "New Private Tab", False, None),
    ("msedge.exe", "tokio - Rust - Personal - Microsoft\u200b Edge", "Edge", "tokio - Rust",
     False, "docs.rs"),
    ("microsoft-edge", "[InPrivate] New InPrivate tab - Microsoft\u200b Edge", "Edge", None, True,
     None),
    ("msedge.exe", "New InPrivate tab - [InPrivate] - Microsoft\u200b Edge", "Edge", None, True,
     None),
    ("msedge.exe", "Docs and 2 more pages - Work - Microsoft\u200b Edge", "Edge", "Docs", False,
     None),
    ("firefox", "Hacker News — Mozilla Firefox", "Firefox", "Hacker News", False,
     "news.ycombinator.com"),
    ("firefox", "Private Browsing — Mozilla Firefox Private Browsing", "Firefox", None, True,
     None),
    ("firefox", "Some page — Mozilla Firefox Private Browsing", "Firefox", None, True, None),
    ("firefox.exe", "Some page - Mozilla Firefox (Private Browsing)", "Firefox", None, True, None),
    ("firefox.exe", "Some page - Mozilla Firefox", "Firefox", "Some page", False, None),
    ("firefox", "Mozilla Firefox", "Firefox", None, False, None),
    ("Navigator", "Vec in std::vec - Rust — Mozilla Firefox", "Firefox", "Vec in std::vec - Rust",
     False, "doc.rust-lang.org"),
    ("firefox", "Array.prototype.map() - JavaScript | MDN — Mozilla Firefox", "Firefox",
     "Array.prototype.map() - JavaScript | MDN", False, "developer.mozilla.org"),
    ("firefox", "os — Miscellaneous operating system interfaces — Python 3.12.1 documentation"
     " — Mozilla Firefox", "Firefox",
     "os — Miscellaneous operating system interfaces — Python 3.12.1 documentation", False,
     "docs.python.org"),
    ("firefox", "fmt package - fmt - Go Packages — Mozilla Firefox", "Firefox",
     "fmt package - fmt - Go Packages", False, "pkg.go.dev"),
    ("firefox", "requests · PyPI — Firefox Developer Edition", "Firefox", "requests · PyPI",
     False, "pypi.org"),
    ("firefox", "serde - crates.io: Rust Package Registry — Mozilla Firefox", "Firefox",
     "serde - crates.io: Rust Package Registry", False, "crates.io"),
    ("firefox", "Python (programming language) - Wikipedia — Mozilla Firefox", "Firefox",
     "Python (programming language) - Wikipedia", False, "wikipedia.org"),
    ("firefox", "rust async - Google Search — Mozilla Firefox", "Firefox",
     "rust async - Google Search", False, "google.com"),
    ("firefox", "Someone (@someone) / X — Mozilla Firefox", "Firefox", "Someone (@someone) / X",
     False, "x.com"),
    ("firefox", "What's new in 3.13? : r/Python — Mozilla Firefox", "Firefox",
     "What's new in 3.13? : r/Python", False, "reddit.com"),
    ("firefox", "Quickstart — Requests 2.31.0 documentation — Mozilla Firefox", "Firefox",
     "Quickstart — Requests 2.31.0 documentation", False, "readthedocs.io"),
    ("firefox", "Merge requests · group / project · GitLab — Mozilla Firefox", "Firefox",
     "Merge requests · group / project · GitLab", False, "gitlab.com"),
    ("google-chrome", "[PROJ-123] Fix login - Jira - Google Chrome", "Chrome",
     "[PROJ-123] Fix login - Jira", False, "atlassian.net"),
    ("google-chrome", "Team Space - Confluence - Google Chrome", "Chrome",
     "Team Space - Confluence", False, "atlassian.net"),
    ("google-chrome", "general (Channel) - Acme - Slack - Google Chrome", "Chrome",
     "general (Channel) - Acme - Slack", False, "app.slack.com"),
    ("vivaldi-stable", "Discord | #general | Acme - Vivaldi", "Vivaldi",
     "Discord | #general | Acme", False, "discord.com"),
    ("vivaldi-stable", "Some page - Vivaldi - Private", "Vivaldi", None, True, None),
    ("google-chrome", "localhost:8000/app - Google Chrome", "Chrome", "localhost:8000/app", False,
     "localhost:8000"),
    ("Safari", "GitHub", "Safari", "GitHub", False, "github.com"),
    ("Safari", "Example Domain — Private Browsing", "Safari", None, True, None),
    ("opera", "How to X - Stack Overflow - Opera", "Opera", "How to X - Stack Overflow", False,
     "stackoverflow.com"),
    ("opera.exe", "Some page - Opera (Private)", "Opera", None, True, None),
]


@pytest.mark.parametrize(("app", "title", "browser", "page", "private", "site"), BROWSER_TITLES,
                         ids=[f"{a}|{t}" for a, t, *_ in BROWSER_TITLES])
def test_browser_titles(app: str, title: str, browser: str, page: str | None, private: bool,
                        site: str | None) -> None:
    spec = browser_for([app.lower().removesuffix(".exe"), app.lower()])
    assert spec is not None and spec.name == browser
    tab = parse_browser_title(spec, title)
    assert (tab.page, tab.private) == (page, private)
    obs = infer(Observation(time=time.time(), title=title, sources={"title": "window.x11"}),
                WindowInfo(app=app, title=title, pid=None))
    assert (obs.browser, obs.private, obs.site) == (browser, private, site)
    if private:
        assert obs.title is None and obs.url is None and "title" not in obs.sources
    else:
        assert obs.title == (page or title)


INFERRED: list[tuple[str, str, dict[str, object]]] = [
    ("code", "● app.py - myproj - Visual Studio Code",
     {"editor": "VS Code", "file": "app.py", "project": "myproj", "language": "Python"}),
    ("jetbrains-goland", "svc – main.go",
     {"editor": "GoLand", "file": "main.go", "project": "svc", "language": "Go"}),
    ("Xcode", "MyApp — ContentView.swift",
     {"editor": "Xcode", "file": "ContentView.swift", "project": "MyApp", "language": "Swift"}),
    ("emacs", "app.cgi [Python] - Doom Emacs",
     {"editor": "Emacs", "file": "app.cgi", "language": "Python"}),
    ("code", "deploy.yml - ops [SSH: devbox] - Visual Studio Code",
     {"editor": "VS Code", "file": "deploy.yml", "project": "ops", "language": "YAML",
      "project_path": None}),
    ("kitty", "nvim main.rs",
     {"terminal": "kitty", "editor": "Neovim", "file": "main.rs", "language": "Rust"}),
    ("Terminal", "myproj — vim app.py — 80×24",
     {"terminal": "Terminal", "editor": "Vim", "file": "app.py", "project": "myproj"}),
    ("gimp", "Untitled – GIMP", {"editor": None, "terminal": None, "browser": None}),
]


@pytest.mark.parametrize(("app", "title", "expected"), INFERRED,
                         ids=[f"{a}|{t}" for a, t, _ in INFERRED])
def test_infer_from_titles_only(app: str, title: str, expected: dict[str, object]) -> None:
    obs = infer(Observation(time=time.time()), WindowInfo(app=app, title=title, pid=None))
    assert {k: getattr(obs, k) for k in expected} == expected


# macOS: the app's name and bundle identifier (the Quartz watcher's `wm_class`)
MAC_APPS = [
    ("Code", "com.microsoft.VSCode", "editor", "VS Code"),
    ("Cursor", "com.todesktop.230313mzl4w4u92", "editor", "Cursor"),
    ("PyCharm", "com.jetbrains.pycharm", "editor", "PyCharm"),
    ("IntelliJ IDEA", "com.jetbrains.intellij.ce", "editor", "IntelliJ IDEA"),
    ("Android Studio", "com.google.android.studio", "editor", "Android Studio"),
    ("Sublime Text", "com.sublimetext.4", "editor", "Sublime Text"),
    ("Xcode", "com.apple.dt.Xcode", "editor", "Xcode"),
    ("Emacs", "org.gnu.Emacs", "editor", "Emacs"),
    ("Zed", "dev.zed.Zed", "editor", "Zed"),
    ("iTerm2", "com.googlecode.iterm2", "terminal", "iTerm2"),
    ("Terminal", "com.apple.Terminal", "terminal", "Terminal"),
    ("WezTerm", "com.github.wez.wezterm", "terminal", "WezTerm"),
    ("kitty", "net.kovidgoyal.kitty", "terminal", "kitty"),
    ("Safari", "com.apple.Safari", "browser", "Safari"),
    ("Google Chrome", "com.google.Chrome", "browser", "Chrome"),
    ("Brave Browser", "com.brave.Browser", "browser", "Brave"),
    ("Microsoft Edge", "com.microsoft.edgemac", "browser", "Edge"),
    ("Firefox", "org.mozilla.firefox", "browser", "Firefox"),
    ("Opera", "com.operasoftware.Opera", "browser", "Opera"),
    ("Vivaldi", "com.vivaldi.Vivaldi", "browser", "Vivaldi"),
]


@pytest.mark.parametrize(("app", "bundle", "kind", "name"), MAC_APPS)
def test_macos_apps_by_bundle(app: str, bundle: str, kind: str, name: str) -> None:
    window = WindowInfo(app=app, title="", pid=None, wm_class=bundle, process_name=app)
    assert getattr(infer(Observation(time=time.time()), window), kind) == name


@settings(max_examples=300, deadline=None)
@given(title=st.text(alphabet=st.sampled_from(list("ab.py/~\\()[]<>*●•+=:@$-–—|· \u200b")),
                     max_size=300) | st.text(max_size=300))
def test_any_title_is_survived(title: str) -> None:
    for app in ("code", "jetbrains-pycharm", "vim", "emacs", "kitty", "firefox", "msedge",
                "gnome-terminal-server", "Xcode", "devenv"):
        obs = infer(Observation(time=time.time(), title=title), WindowInfo(app=app, title=title))
        assert obs.private in (None, True, False)


def test_absurd_titles_stay_cheap() -> None:
    absurd = [" (x)" * 2000 + " - Visual Studio Code", "a - " * 3000 + "Google Chrome",
              "(" * 5000, "me@host: ~/" + "a" * 8000, "-" * 9000, "a.py " + "+" * 5000 + " - VIM"]
    started = time.perf_counter()
    for title in absurd:
        for app in ("code", "vim", "firefox", "kitty"):
            infer(Observation(time=time.time()), WindowInfo(app=app, title=title))
    assert time.perf_counter() - started < 2.0


def test_private_marker_survives_clipping() -> None:
    title = "x" * 5000 + " - Google Chrome (Incognito)"
    obs = infer(Observation(time=time.time(), title=title),
                WindowInfo(app="google-chrome", title=title))
    assert obs.private is True and obs.title is None
