"""A small PNG bar chart drawn by hand (zlib + struct): no imaging library on the server."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

BACKGROUND = (255, 255, 255)
BAR = (76, 110, 245)
AXIS = (200, 200, 200)


def bar_chart(values: Sequence[float], width: int = 420, height: int = 140) -> bytes:
    """One bar per value (a week: seven), scaled to the largest, on a white background."""
    pixels = [[BACKGROUND] * width for _ in range(height)]
    n = max(1, len(values))
    top = max(values, default=0) or 1.0
    slot = width // n
    for i, value in enumerate(values):
        h = int((height - 12) * max(0.0, value) / top)
        x0, x1 = i * slot + slot // 6, (i + 1) * slot - slot // 6
        for y in range(height - 2 - h, height - 2):
            row = pixels[y]
            for x in range(x0, x1):
                row[x] = BAR
    for x in range(width):
        pixels[height - 2][x] = AXIS
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    return png(width, height, raw)


def png(width: int, height: int, raw_rgb_rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw_rgb_rows, 9)) + chunk(b"IEND", b""))
