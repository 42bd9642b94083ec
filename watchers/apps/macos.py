"""macOS: applications as their bundles' `Info.plist` describe them.

A bundle that handles http(s) URLs (`CFBundleURLTypes`) is a browser; one that is a shell for
a document type (`CFBundleTypeRole` "Shell": Terminal, iTerm2) a terminal; one that edits text
or source files (`CFBundleDocumentTypes` with an "Editor" role on `public.plain-text`,
`public.source-code`... or their extensions), or a developer tool
(`LSApplicationCategoryType` `public.app-category.developer-tools`) that opens them, an
editor. A window is matched by its bundle identifier, bundle name or executable. The open
file of document-based apps comes from the window's `AXDocument` (watchers.window.macos).
"""

from __future__ import annotations

import os
import plistlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from watchers.apps import KnownApp, ScannedIndex

APP_DIRS = ("/Applications", "/Applications/Utilities", "/System/Applications",
            "/System/Applications/Utilities", "~/Applications")
TEXT_TYPES = frozenset({
    "public.plain-text", "public.text", "public.utf8-plain-text", "public.source-code",
    "public.script", "public.shell-script", "public.python-script", "public.ruby-script",
    "public.perl-script", "public.c-source", "public.c-header", "public.c-plus-plus-source",
    "public.objective-c-source", "public.swift-source", "public.json", "public.xml",
    "public.yaml", "net.daringfireball.markdown", "com.netscape.javascript-source"})
TEXT_EXTENSIONS = frozenset({"txt", "text", "md", "py", "js", "ts", "go", "rs", "c", "h", "cpp",
                             "swift", "java", "rb", "json", "yaml", "yml", "sh", "html", "css"})
DEVELOPER_TOOLS = "public.app-category.developer-tools"


def _document_types(info: Mapping[str, Any]) -> Iterator[tuple[str, set[str], set[str]]]:
    """(role, content types, extensions) of each declared document type."""
    for doc in info.get("CFBundleDocumentTypes") or ():
        if isinstance(doc, Mapping):
            types = {str(t).lower() for t in doc.get("LSItemContentTypes") or ()}
            exts = {str(e).lower().lstrip(".") for e in doc.get("CFBundleTypeExtensions") or ()}
            yield str(doc.get("CFBundleTypeRole") or ""), types, exts


def kind_from_plist(info: Mapping[str, Any]) -> str | None:
    """Editor, browser or terminal, from a bundle's Info.plist."""
    for url_type in info.get("CFBundleURLTypes") or ():
        schemes = {str(s).lower() for s in (url_type or {}).get("CFBundleURLSchemes") or ()}
        if schemes & {"http", "https"}:
            return "browser"
    docs = list(_document_types(info))
    if any(role == "Shell" for role, _, _ in docs):
        return "terminal"
    texts = [(role, bool(types & TEXT_TYPES or exts & TEXT_EXTENSIONS)) for role, types, exts
             in docs]
    if any(role == "Editor" and text for role, text in texts):
        return "editor"
    if info.get("LSApplicationCategoryType") == DEVELOPER_TOOLS and any(t for _, t in texts):
        return "editor"
    return None


def app_from_plist(bundle: str, info: Mapping[str, Any]) -> KnownApp | None:
    """The editor, browser or terminal a bundle (its path, its Info.plist) is, or None."""
    kind = kind_from_plist(info)
    if kind is None:
        return None
    stem = os.path.basename(bundle.rstrip("/")).removesuffix(".app")
    name = str(info.get("CFBundleDisplayName") or info.get("CFBundleName") or stem)
    raw = [info.get(k) for k in ("CFBundleIdentifier", "CFBundleName", "CFBundleDisplayName",
                                 "CFBundleExecutable")] + [stem]
    names = {str(r).lower() for r in raw if r}
    return KnownApp(kind, name, frozenset(names), tuple(dict.fromkeys(
        str(r) for r in raw[1:] if r)), "plist", bundle)


class BundleIndex(ScannedIndex):
    def __init__(self, dirs: tuple[str, ...] = APP_DIRS, recheck: float = 30.0) -> None:
        super().__init__(recheck)
        self.dirs = [Path(os.path.expanduser(d)) for d in dirs]

    def stamp(self) -> object:
        out = []
        for folder in self.dirs:
            try:
                out.append((str(folder), folder.stat().st_mtime_ns))
            except OSError:
                continue
        return tuple(out)

    def scan(self) -> list[KnownApp]:
        apps = []
        for folder in self.dirs:
            try:
                bundles = sorted(folder.glob("*.app"))
            except OSError:
                continue
            for bundle in bundles:
                try:
                    with (bundle / "Contents" / "Info.plist").open("rb") as fh:
                        info = plistlib.load(fh)
                except (OSError, plistlib.InvalidFileException, ValueError):
                    continue
                app = app_from_plist(str(bundle), info) if isinstance(info, dict) else None
                if app is not None:
                    apps.append(app)
        return apps


def document_path(ax_document: str | None) -> str | None:
    """The local path of a window's AXDocument ("file:///Users/ana/src/a.go")."""
    from watchers.recent_files import file_of

    return file_of(ax_document) if ax_document else None
