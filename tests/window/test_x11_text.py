from watchers.window.x11_text import decode_compound_text, decode_property


def test_compound_text_as_xterm_writes_it():
    # Recorded from `xterm -T "Ünïcødé — 日本語"`: Latin-1 in GR, a UTF-8 segment for the
    # dash, JIS X 0208 in GL for the kanji.
    raw = b"\xdcn\xefc\xf8d\xe9 \x1b%G\xe2\x80\x94\x1b%@ \x1b$(BF|K\\8l"
    assert decode_property(raw, "COMPOUND_TEXT") == "Ünïcødé — 日本語"


def test_compound_text_charsets():
    assert decode_compound_text(b"\x1b-L\xbf\xe0\xd8\xd2\xd5\xe2") == "Привет"
    assert decode_compound_text(b"\x1b-F\xc1\xe8\xe1") == "Αθα"
    assert decode_compound_text(b"\x1b$)A\xc4\xe3\xba\xc3") == "你好"
    assert decode_compound_text(b"\x1b$(C>H") == "안"
    assert decode_compound_text(b"a\x1b%G\xe2\x9c\x93\x1b%@b") == "a✓b"
    assert decode_compound_text(b"tab\there") == "tab\there"


def test_string_and_utf8_string():
    assert decode_property("Café".encode("latin-1"), "STRING") == "Café"
    assert decode_property("Café ✓".encode(), "STRING") == "Café ✓"  # UTF-8 mislabelled
    assert decode_property("日本".encode(), "UTF8_STRING") == "日本"
    assert decode_property("日本".encode(), "COMPOUND_TEXT") == "日本"  # no escapes: UTF-8
