"""A file's language: the same as Pygments' own lookup gives, for a name of every pattern."""

from __future__ import annotations

import re

from pygments.lexers import find_lexer_class_for_filename
from pygments.lexers._mapping import LEXERS

from watchers.languages import _by_filename, language_for_file


def _names() -> set[str]:
    """File names that each of the registry's patterns matches, and some that none does."""
    names = {"Makefile", "CMakeLists.txt", "Dockerfile", "README", "notes", ".bashrc", "x.PY",
             "a.b.py", "cart.py", "main.rs", "x.h", "x.c", "x.m", "x.pl", "x.v", "x.inc"}
    for _module, _language, _aliases, patterns, _mimes in LEXERS.values():
        for pattern in patterns:
            name = re.sub(r"\[([^\]])[^\]]*\]", r"\1", pattern).replace("?", "x")
            names |= {name.replace("*", "file"), name.replace("*", "")}
    return names


def test_the_same_language_as_pygments_for_every_pattern():
    names = sorted(_names())
    assert len(names) > 1000
    for name in names:
        found = find_lexer_class_for_filename(name)
        assert _by_filename(name) == (found.name if found else None), name


def test_a_path_by_its_file_name():
    assert language_for_file("src/webshop/cart.py") == "Python"
    assert language_for_file("C:\\\\work\\\\main.rs") == "Rust"
    assert language_for_file("notes") is None
