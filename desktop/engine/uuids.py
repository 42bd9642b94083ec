"""Uuids as the store keeps them: a canonical UUID string (36 characters, lowercase, the
form `str(uuid.UUID(...))` gives) as its 16 bytes, any other id (imported, a client's own
form) as the text it is. SQLite columns take either, so one column holds both; the API, sync
and exports see strings only. The bytes of two UUIDs compare as their strings do."""

from __future__ import annotations

from binascii import unhexlify
from struct import Struct

_HEX = b"0123456789abcdef"


def stored(text: str) -> bytes | str:
    """The form of `text` in the store: its 16 bytes when it is a canonical UUID string
    (`text_of` gives it back exactly), else `text` itself."""
    if len(text) == 36 and text[8] == text[13] == text[18] == text[23] == "-":
        digits = text.replace("-", "")
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            return text
        if raw.hex() == digits:  # lowercase hex, nothing bytes.fromhex skipped
            return raw
    return text


def stored_all(texts: list[str]) -> list[bytes | str]:
    """`[stored(t) for t in texts]`, a batch of canonical strings (the common case) checked and
    converted in a few passes over them joined: "/" between them must fall every 37
    characters and the dashes at their places, and nothing else may be there but lowercase
    hex digits."""
    n = len(texts)
    joined = "/".join(texts)
    if (n and len(joined) == 37 * n - 1 and joined.isascii()
            and joined[36::37] == "/" * (n - 1)
            and joined[8::37] == joined[13::37] == joined[18::37] == joined[23::37] == "-" * n):
        digits = joined.encode().translate(None, b"-/")
        if len(digits) == 32 * n and not digits.translate(None, _HEX):
            return list(Struct("16s" * n).unpack(unhexlify(digits)))  # (cuts it in one call)
    return list(map(stored, texts))


def text_of(value: bytes | str) -> str:
    """The uuid string of a stored value (`stored`'s inverse)."""
    if value.__class__ is bytes:
        h = value.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return value  # type: ignore[return-value]


def prefix_range(prefix: str) -> tuple[bytes, bytes] | None:
    """The stored UUIDs whose string starts with `prefix` (any case), as the range of their
    bytes; None when no canonical UUID string starts so."""
    prefix = prefix.lower()
    if len(prefix) > 36 or any(
            (c != "-") if i in (8, 13, 18, 23) else (c not in "0123456789abcdef")
            for i, c in enumerate(prefix)):
        return None
    digits = prefix.replace("-", "")
    return bytes.fromhex(digits.ljust(32, "0")), bytes.fromhex(digits.ljust(32, "f"))
