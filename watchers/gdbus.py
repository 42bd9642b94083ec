"""D-Bus calls through the `gdbus` command line tool, and a reader for its GVariant text replies.

Used where only a D-Bus service can answer (GNOME Shell extensions, Mutter's idle monitor).
A call costs a process start (a few ms), so callers keep them off the hottest paths.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

from watchers.window.base import WatcherUnavailable

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_NUMBER = re.compile(r"[-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|inf|nan)")
_TYPE_WORDS = ("byte", "int16", "uint16", "int32", "uint32", "int64", "uint64", "double",
               "handle", "objectpath", "signature")


def call(dest: str, path: str, method: str, *args: str, timeout: float = 2.0) -> Any:
    """Call `method` (``interface.Name``) on the session bus; the parsed reply tuple.

    Raises WatcherUnavailable when gdbus is missing or the call fails (no such service,
    extension disabled, timeout).
    """
    tool = shutil.which("gdbus")
    if tool is None:
        raise WatcherUnavailable("gdbus is not installed (Debian package libglib2.0-bin)")
    cmd = [tool, "call", "--session", "--dest", dest, "--object-path", path, "--method", method,
           *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise WatcherUnavailable(f"D-Bus call {method} timed out") from exc
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        raise WatcherUnavailable(f"D-Bus call {method} failed: {reason}")
    return parse_gvariant(done.stdout)


def parse_gvariant(text: str) -> Any:
    """Parse GVariant text format as printed by `gdbus call`: tuples become tuples, arrays
    lists, strings str, numbers int/float, booleans bool."""
    value, end = _value(text, _skip(text, 0))
    if _skip(text, end) != len(text):
        raise ValueError(f"trailing data in GVariant text at {end}: {text[end:end + 20]!r}")
    return value


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _value(text: str, i: int) -> tuple[Any, int]:
    if i >= len(text):
        raise ValueError("unexpected end of GVariant text")
    ch = text[i]
    if ch == "@":  # type annotation: "@s 'x'", "@as []"
        while i < len(text) and not text[i].isspace():
            i += 1
        return _value(text, _skip(text, i))
    if ch in "([":
        return _sequence(text, i)
    if ch in "'\"":
        return _string(text, i)
    if text.startswith("true", i):
        return True, i + 4
    if text.startswith("false", i):
        return False, i + 5
    for word in _TYPE_WORDS:
        if text.startswith(word + " ", i):
            return _value(text, _skip(text, i + len(word)))
    match = _NUMBER.match(text, i)
    if match is None:
        raise ValueError(f"cannot read GVariant text at {i}: {text[i:i + 20]!r}")
    token = match.group()
    if token.lower().startswith(("0x", "-0x", "+0x")):
        return int(token, 16), match.end()
    try:
        return int(token), match.end()
    except ValueError:
        return float(token), match.end()


def _sequence(text: str, i: int) -> tuple[Any, int]:
    close = ")" if text[i] == "(" else "]"
    items: list[Any] = []
    i = _skip(text, i + 1)
    while True:
        if i >= len(text):
            raise ValueError("unterminated GVariant container")
        if text[i] == close:
            i += 1
            break
        item, i = _value(text, i)
        items.append(item)
        i = _skip(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip(text, i + 1)
    return (tuple(items) if close == ")" else items), i


def _string(text: str, i: int) -> tuple[str, int]:
    quote = text[i]
    out: list[str] = []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in "uU":
                width = 4 if nxt == "u" else 8
                out.append(chr(int(text[i + 2:i + 2 + width], 16)))
                i += 2 + width
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ValueError("unterminated GVariant string")
