"""Decoding X11 text properties: UTF8_STRING, STRING and COMPOUND_TEXT (ISO 2022 subset).

xterm, Tk and other old toolkits put non-Latin-1 titles in WM_NAME as COMPOUND_TEXT, so the
WM_NAME fallback has to read it: ESC % G ... ESC % @ (UTF-8 segments), ISO 8859 right halves
(ESC - F) and the CJK double-byte sets (ESC $ ( F / ESC $ ) F).
"""

from __future__ import annotations

ESC = 0x1B
# ESC - <final>: 96-character sets for the right half (GR).
_LATIN = {ord("A"): "iso8859-1", ord("B"): "iso8859-2", ord("C"): "iso8859-3",
          ord("D"): "iso8859-4", ord("L"): "iso8859-5", ord("G"): "iso8859-6",
          ord("F"): "iso8859-7", ord("H"): "iso8859-8", ord("M"): "iso8859-9",
          ord("b"): "iso8859-15"}
# ESC $ ( <final> / ESC $ ) <final>: 94x94 sets, decoded through their EUC form.
_WIDE = {ord("A"): "gb2312", ord("B"): "euc_jp", ord("C"): "euc_kr"}


def decode_property(raw: bytes | str, kind: str) -> str:
    """Decode a text property value of type `kind` (``UTF8_STRING``, ``STRING``,
    ``COMPOUND_TEXT`` or anything else)."""
    if isinstance(raw, str):
        return raw
    if kind == "COMPOUND_TEXT" and b"\x1b" in raw:
        return decode_compound_text(raw)
    if kind == "UTF8_STRING":
        return raw.decode("utf-8", "replace")
    # STRING is Latin-1 by the ICCCM, but many programs store UTF-8 there (and in escape-free
    # COMPOUND_TEXT): trust valid UTF-8.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def decode_compound_text(raw: bytes) -> str:
    out: list[str] = []
    gl: str | None = None  # None: ASCII; otherwise the EUC codec of a 94x94 set in GL
    gr, gr_wide = "iso8859-1", None
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b == ESC:
            j = i + 1
            while j < n and 0x20 <= raw[j] <= 0x2F:  # intermediate bytes
                j += 1
            if j >= n:
                break
            inter, final, i = raw[i + 1:j], raw[j], j + 1
            if inter == b"%" and final == ord("G"):  # UTF-8 segment up to ESC % @
                end = raw.find(b"\x1b%@", i)
                end = n if end < 0 else end
                out.append(raw[i:end].decode("utf-8", "replace"))
                i = end + 3
            else:
                gl, gr, gr_wide = _switch(inter, final, gl, gr, gr_wide)
            continue
        if b >= 0x80 and gr_wide is not None:
            out.append(raw[i:i + 2].decode(gr_wide, "replace"))
            i += 2
        elif b >= 0x80:
            out.append(bytes([b]).decode(gr, "replace"))
            i += 1
        elif gl is not None and b > 0x20:
            out.append(bytes(c | 0x80 for c in raw[i:i + 2]).decode(gl, "replace"))
            i += 2
        else:
            out.append(chr(b))
            i += 1
    return "".join(out)


def _switch(inter: bytes, final: int, gl: str | None, gr: str,
            gr_wide: str | None) -> tuple[str | None, str, str | None]:
    """The charset state after the escape sequence ESC <inter> <final>."""
    if inter == b"(":  # a 94-set into GL: ASCII (B) or JIS Roman (J), both read as ASCII
        return None, gr, gr_wide
    if inter == b"-" and final in _LATIN:
        return gl, _LATIN[final], None
    if inter in (b"$(", b"$") and final in _WIDE:
        return _WIDE[final], gr, gr_wide
    if inter == b"$)" and final in _WIDE:
        return gl, gr, _WIDE[final]
    return gl, gr, gr_wide
