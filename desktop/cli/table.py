"""A command's table, printed as rich prints it (rich.table's defaults: a heavy head, a
centred title) without loading rich (~30 ms) when the output has no styles to carry: stdout is
not a terminal (as rich decides it: TTY_COMPATIBLE, FORCE_COLOR, isatty), its encoding is
UTF-8, and the table fits the width rich would use (COLUMNS, else the first terminal among
stdin, stdout and stderr, else 80) with text rich prints as given (no markup, emoji codes,
control or wide characters). Anything else is printed by rich itself."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence

# rich.box.HEAVY_HEAD, its lines as (left, fill, between, right)
_TOP = ("┏", "━", "┳", "┓")
_HEAD = ("┃", " ", "┃", "┃")
_HEAD_ROW = ("┡", "━", "╇", "┩")
_MID = ("│", " ", "│", "│")
_ROW = ("├", "─", "┼", "┤")
_BOTTOM = ("└", "─", "┴", "┘")
_WORD = re.compile(r"\s*\S+\s*")  # rich._wrap's words: a word and the space after it
_EMOJI = re.compile(r":\S*?:")  # what rich's emoji codes could be made of
_ONE_CELL = frozenset("→█")  # one cell wide, beyond the Latin letters


def print_table(title: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]],
                totals: Sequence[Sequence[str]] = ()) -> None:
    """`columns` as (header, "left" or "right"); `totals` after a line below `rows` (rich's
    `add_section`)."""
    lines = _plain(title, columns, rows, totals)
    if lines is None:
        _print_with_rich(title, columns, rows, totals)
    else:
        sys.stdout.write("".join(f"{line}\n" for line in lines))


def _print_with_rich(title: str, columns: Sequence[tuple[str, str]],
                     rows: Sequence[Sequence[str]], totals: Sequence[Sequence[str]]) -> None:
    from rich.table import Table

    from desktop.cli.context import console

    table = Table(title=title)
    for header, justify in columns:
        table.add_column(header, justify="right" if justify == "right" else "left")
    for row in rows:
        table.add_row(*row)
    table.add_section()
    for row in totals:
        table.add_row(*row)
    console.print(table)


def _simple(text: str) -> bool:
    """Whether rich prints `text` as it is, one cell a character (spaces at either end are
    left to rich: it strips some)."""
    return ("[" not in text and text == text.strip(" ") and not _EMOJI.search(text)
            and all((" " <= c < "\x7f" or "\xa0" < c < "\u0300" or c in _ONE_CELL)
                    and c != "\xad" for c in text))


def _width() -> int | None:
    """The width rich's console would have (None: one it is not worth copying)."""
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns) or None
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns or 80
        except (AttributeError, ValueError, OSError):
            continue
    return 80


def _plain_output() -> bool:
    """Whether rich would write stdout without styles, as UTF-8 and without Windows' ways."""
    out = sys.stdout
    if out is None or sys.platform == "win32":
        return False
    if not (getattr(out, "encoding", None) or "utf-8").lower().startswith("utf"):
        return False
    tty = os.environ.get("TTY_COMPATIBLE", "")
    if tty in ("0", "1"):
        return tty == "0"
    if os.environ.get("FORCE_COLOR") is not None:
        return os.environ["FORCE_COLOR"] == ""
    isatty = getattr(out, "isatty", None)
    try:
        return isatty is None or not isatty()
    except ValueError:  # closed
        return True


def _plain(title: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]],
           totals: Sequence[Sequence[str]]) -> list[str] | None:
    """The table's lines as rich prints them, or None where this is not sure to."""
    if not _plain_output():
        return None
    width = _width()
    body = [[h for h, _ in columns], *rows, *totals]
    if width is None or not all(_simple(cell) for row in body for cell in row):
        return None
    widths = [max(len(row[i]) for row in body) + 2 for i in range(len(columns))]
    table_width = sum(widths) + len(columns) + 1
    if table_width > width or not _simple(title):
        return None
    title_lines = _centred(title, table_width)
    if title_lines is None:
        return None

    def rule(box: tuple[str, str, str, str]) -> str:
        left, fill, between, right = box
        return left + between.join(fill * w for w in widths) + right

    def line(box: tuple[str, str, str, str], cells: Sequence[str]) -> str:
        left, _, between, right = box
        return left + between.join(
            f" {cell.rjust(w - 2) if justify == 'right' else cell.ljust(w - 2)} "
            for cell, w, (_, justify) in zip(cells, widths, columns, strict=True)) + right

    lines = [*title_lines, rule(_TOP), line(_HEAD, body[0]), rule(_HEAD_ROW)]
    lines += [line(_MID, row) for row in rows]
    if rows and totals:
        lines.append(rule(_ROW))
    lines += [line(_MID, row) for row in totals]
    lines.append(rule(_BOTTOM))
    return lines


def _centred(text: str, width: int) -> list[str] | None:
    """`text` wrapped at its words to `width` and each line centred (rich's Text.wrap with
    justify="center"); None when a word is wider than the line (rich folds it)."""
    lines: list[str] = []
    current = ""
    for word in _WORD.findall(text):
        size = len(word.rstrip())
        if size > width:
            return None
        if current and size > width - len(current):
            lines.append(current)
            current = ""
        current += word
    lines.append(current)
    out = []
    for line in lines:
        line = line.rstrip()
        left = (width - len(line)) // 2
        out.append(" " * left + line + " " * (width - len(line) - left))
    return out
