"""Programming language of a file, from Pygments' lexer registry (cached per file name)."""

from __future__ import annotations

import os
from functools import lru_cache

from pygments.lexers import find_lexer_class_by_name, find_lexer_class_for_filename
from pygments.util import ClassNotFound


@lru_cache(maxsize=4096)
def _by_filename(name: str) -> str | None:
    try:
        lexer = find_lexer_class_for_filename(name)
    except ClassNotFound:  # pragma: no cover - find_* returns None, kept for safety
        return None
    return lexer.name if lexer is not None else None


def language_for_file(path: str) -> str | None:
    """The language Pygments associates with `path`'s file name ("foo.py" -> "Python")."""
    name = os.path.basename(path.replace("\\", "/"))
    return _by_filename(name) if name else None


@lru_cache(maxsize=512)
def language_from_hint(hint: str) -> str:
    """Normalize an editor's own language hint to Pygments' name ("python" -> "Python");
    an unknown hint is kept as given."""
    try:
        return find_lexer_class_by_name(hint.strip().lower()).name
    except ClassNotFound:
        return hint.strip()


@lru_cache(maxsize=512)
def is_language_name(text: str) -> bool:
    """Whether `text` names a language Pygments knows (by name or alias)."""
    try:
        find_lexer_class_by_name(text.strip().lower())
    except ClassNotFound:
        return False
    return True
