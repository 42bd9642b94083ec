"""Programming language of a file, from Pygments' lexer registry (cached per file name).
Pygments is loaded by the first question (a process that sees no file never loads it)."""

from __future__ import annotations

import os
from fnmatch import fnmatchcase
from functools import cache, lru_cache
from importlib.machinery import SourceFileLoader
from types import ModuleType


def _lexers() -> dict[str, tuple]:
    """Pygments' registry (pygments/lexers/_mapping.py, a table with no imports), loaded
    alone: importing it as `pygments.lexers._mapping` runs the `pygments.lexers` package
    first (~4 ms of a start)."""
    import pygments

    path = os.path.join(os.path.dirname(pygments.__file__), "lexers", "_mapping.py")
    module = ModuleType("_pygments_lexer_mapping")
    SourceFileLoader(module.__name__, path).exec_module(module)
    return module.LEXERS


@cache
def _patterns() -> tuple[dict[str, list[tuple[str, str]]], list[tuple[str, str, str]],
                         list[tuple[str, str]]]:
    """The registry's file-name patterns, (language, pattern) by kind: exact names, `*` and a
    suffix (most of them: "*.py"), and the other globs."""
    exact: dict[str, list[tuple[str, str]]] = {}
    suffixes, globs = [], []
    for _module, language, _aliases, patterns, _mimes in _lexers().values():
        for pattern in patterns:
            if not any(c in pattern for c in "*?["):
                exact.setdefault(pattern, []).append((language, pattern))
            elif pattern[0] == "*" and not any(c in pattern[1:] for c in "*?["):
                suffixes.append((pattern[1:], language, pattern))
            else:
                globs.append((language, pattern))
    return exact, suffixes, globs


@lru_cache(maxsize=4096)
def _by_filename(name: str) -> str | None:
    """What Pygments' find_lexer_class_for_filename(name) names, without its cost in a new
    process (a regular expression compiled for each of its ~1,500 patterns, every installed
    package's entry points read for plugin lexers: 170 ms against 2 ms, a busy 2-core machine).
    The same matching (case-sensitive globs) and, where several languages match, the same
    choice (the highest priority, an exact name over a glob). Plugin lexers are not looked for;
    tests/test_languages.py checks the rest against Pygments."""
    exact, suffixes, globs = _patterns()
    matches = list(exact.get(name, ()))
    matches += [(language, pattern) for suffix, language, pattern in suffixes
                if name.endswith(suffix)]
    matches += [(language, pattern) for language, pattern in globs if fnmatchcase(name, pattern)]
    if len({language for language, _ in matches}) <= 1:
        return matches[0][0] if matches else None

    from pygments.lexers import find_lexer_class

    def rating(match: tuple[str, str]) -> tuple[float, str]:
        lexer = find_lexer_class(match[0])
        return lexer.priority + (0.5 if "*" not in match[1] else 0), lexer.__name__

    return sorted(matches, key=rating)[-1][0]


def language_for_file(path: str) -> str | None:
    """The language Pygments associates with `path`'s file name ("foo.py" -> "Python")."""
    name = os.path.basename(path.replace("\\", "/"))
    return _by_filename(name) if name else None


@lru_cache(maxsize=512)
def language_from_hint(hint: str) -> str:
    """Normalize an editor's own language hint to Pygments' name ("python" -> "Python");
    an unknown hint is kept as given."""
    from pygments.lexers import find_lexer_class_by_name
    from pygments.util import ClassNotFound

    try:
        return find_lexer_class_by_name(hint.strip().lower()).name
    except ClassNotFound:
        return hint.strip()


@lru_cache(maxsize=512)
def is_language_name(text: str) -> bool:
    """Whether `text` names a language Pygments knows (by name or alias)."""
    from pygments.lexers import find_lexer_class_by_name
    from pygments.util import ClassNotFound

    try:
        find_lexer_class_by_name(text.strip().lower())
    except ClassNotFound:
        return False
    return True
