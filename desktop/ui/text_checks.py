"""Self-checks for `timeforged doctor`: the locale-dependent text features Qt takes from ICU
on Linux (the bundle ships a trimmed ICU data library, see docs/packaging.md): collation,
legacy text codecs, locale case mapping and time zone names."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QCollator, QLocale, QTimeZone, QXmlStreamReader

from desktop.engine.checks import Check

# Bytes in a legacy encoding and the text they hold.
ENCODED = {
    "Shift_JIS": (b"\x93\xfa\x96\x7b\x8c\xea", "日本語"),
    "EUC-JP": (b"\xc6\xfc\xcb\xdc", "日本"),
    "ISO-2022-JP": (b"\x1b$BF|K\\\x1b(B", "日本"),
    "windows-1252": (b"caf\xe9 \x80", "café €"),
    "windows-1251": (b"\xcf\xf0\xe8\xe2\xe5\xf2", "Привет"),
    "ISO-8859-15": (b"\xa4", "€"),
    "KOI8-R": (b"\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"),
    "GBK": (b"\xd6\xd0\xce\xc4", "中文"),
    "gb18030": (b"\x81\x30\x81\x30", "\x80"),
    "Big5": (b"\xa4\xa4\xa4\xe5", "中文"),
    "EUC-KR": (b"\xc7\xd1\xb1\xdb", "한글"),
}


def decode(encoding: str, data: bytes) -> str | None:
    """`data` decoded by Qt's codec for `encoding` (QStringDecoder, which PySide6 cannot call
    directly; an XML declaration makes QXmlStreamReader use it). None: no such codec."""
    buffer = QBuffer()
    buffer.setData(QByteArray(f'<?xml version="1.0" encoding="{encoding}"?><t>'.encode()
                              + data + b"</t>"))
    buffer.open(QBuffer.OpenModeFlag.ReadOnly)
    reader = QXmlStreamReader(buffer)
    text = ""
    while not reader.atEnd():
        reader.readNext()
        if reader.isCharacters():
            text += reader.text()
    return None if reader.hasError() else text


def sort_order(locale: str, words: list[str], numeric: bool = False) -> list[str]:
    collator = QCollator(QLocale(locale))
    collator.setNumericMode(numeric)
    return sorted(words, key=collator.sortKey)


def text_checks() -> list[Check]:
    checks = []
    swedish = sort_order("sv_SE", ["ödla", "zebra", "åka", "apa"])
    german = sort_order("de_DE", ["Zebra", "Äpfel", "Apfel", "Öl"])
    numeric = sort_order("en_US", ["file10", "file2", "File1"], numeric=True)
    ok = swedish == ["apa", "zebra", "åka", "ödla"] and german == ["Apfel", "Äpfel", "Öl",
                                                                   "Zebra"] \
        and numeric == ["File1", "file2", "file10"]
    checks.append(Check("collation", ok, f"sv {swedish}, de {german}, numeric {numeric}"))

    wrong = {name: decode(name, data) for name, (data, text) in ENCODED.items()
             if decode(name, data) != text}
    checks.append(Check("legacy codecs", not wrong,
                        f"{len(ENCODED)} decoded" if not wrong else f"wrong: {wrong}"))

    upper = QLocale("tr_TR").toUpper("istanbul"), QLocale("en_US").toUpper("istanbul")
    checks.append(Check("locale case mapping", upper == ("İSTANBUL", "ISTANBUL"),
                        f"tr {upper[0]}, en {upper[1]}"))

    berlin = QTimeZone(b"Europe/Berlin").displayName(
        QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("en_US"))
    checks.append(Check("time zone names", berlin == "Central European Standard Time", berlin))
    return checks
