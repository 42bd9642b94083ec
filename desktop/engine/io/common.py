"""What every importer shares: the error, the result, deterministic ids, JSON checks."""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.engine.digests import uuid5
from desktop.engine.formatting import format_duration

Progress = Callable[[int, int], None]

# Imported spans get uuid5(IMPORT_NAMESPACE, "<source>|<identity of the record>"): importing
# the same file again yields the same uuids, which the store then skips.
IMPORT_NAMESPACE = uuidlib.UUID("8e5f3c52-2b7e-4f0e-9a51-7f3f1e6c9b21")


class ImportFormatError(ValueError):
    """A file that cannot be imported: says which file, what is wrong and where."""

    def __init__(self, path: Path | str, message: str, where: str | None = None) -> None:
        self.path, self.message, self.where = Path(path), message, where
        super().__init__(f"{path}: {where + ': ' if where else ''}{message}")


@dataclass(frozen=True, slots=True)
class ImportResult:
    format: str
    parsed: int  # items (spans, heartbeats) found in the file
    added: int  # of which were new to the store
    seconds: float  # the time of the spans they make, overlaps once (as reports count it)
    retired: int = 0  # spans derived before and replaced now (ActivityWatch)
    unit: str = "spans"  # what `parsed` counts

    @property
    def skipped(self) -> int:
        return self.parsed - self.added

    def describe(self) -> str:
        """What the import did, in a sentence or two."""
        retired = f" {self.retired} spans imported before no longer apply." \
            if self.retired else ""
        return (f"Imported {self.added} new {self.unit} ({format_duration(self.seconds)}) as "
                f"{self.format}; {self.skipped} were already there.{retired}")


def import_uuid(source: str, identity: str) -> str:
    return str(uuid5(IMPORT_NAMESPACE, f"{source}|{identity}"))


def load_json(path: Path) -> Any:
    """The parsed file, or ImportFormatError saying where the JSON breaks."""
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(path, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ImportFormatError(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        stripped = text.rstrip()
        truncated = " (the file looks truncated)" if stripped and (
            exc.pos >= len(stripped) or stripped[-1] not in "}]") else ""
        raise ImportFormatError(path, f"not valid JSON{truncated}: {exc.msg}",
                                f"line {exc.lineno}, column {exc.colno}") from None


_TYPES: dict[type, str] = {str: "a string", dict: "an object", list: "a list", bool: "true/false"}


def expect(path: Path, where: str, value: Any, kind: type | tuple[type, ...], *,
           optional: bool = False) -> Any:
    """`value` if it is of `kind` (numbers: int or float, never bool), else ImportFormatError."""
    if value is None and optional:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kinds) and not (bool not in kinds and isinstance(value, bool))
    if not ok:
        wanted = " or ".join("a number" if k in (int, float) else _TYPES.get(k, k.__name__)
                             for k in kinds)
        got = "nothing" if value is None else f"{type(value).__name__} {_short(value)}"
        raise ImportFormatError(path, f"expected {wanted}, got {got}", where)
    return value


def require(path: Path, where: str, record: dict, key: str, kind: type | tuple[type, ...], *,
          optional: bool = False) -> Any:
    """record[key], checked; a missing required key is an error naming it."""
    if key not in record and not optional:
        raise ImportFormatError(path, f"missing key {key!r}", where)
    return expect(path, f"{where}.{key}", record.get(key), kind, optional=optional)


Schema = tuple[tuple[str, tuple[type, ...], bool, frozenset[type]], ...]


def schema(*entries: tuple) -> Schema:
    """Entries (key, type or types[, optional]) for `check`; numbers accept int and float."""
    out = []
    for key, kind, *rest in entries:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        optional = bool(rest and rest[0])
        fast = set(kinds) | ({int} if float in kinds else set())
        if optional:
            fast.add(type(None))
        out.append((key, kinds, optional, frozenset(fast)))
    return tuple(out)


def check(path: Path, where: Callable[[], str], record: Any, entries: Schema) -> dict:
    """`record` if it is an object whose keys have the types `entries` say; else
    ImportFormatError at `where()` (a callable, so that the happy path formats nothing)."""
    if type(record) is not dict:
        expect(path, where(), record, dict)
    get = record.get
    for key, kinds, optional, fast in entries:
        if type(get(key)) not in fast:
            require(path, where(), record, key, kinds, optional=optional)
    return record


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
