"""The tables `report` prints without rich are what rich prints for the same data."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from desktop.cli import context, table
from desktop.engine.formatting import format_duration

DATA = Path(__file__).parent.parent / "data"
RANGE = ("--from", "2024-01-01", "--to", "2024-01-31")
LETTERS = "abcdefghij -_./éßØ→█0123456789"


def by_rich(title: str, columns, rows, totals, width: int) -> str:
    out = io.StringIO()
    made = Table(title=title)
    for header, justify in columns:
        made.add_column(header, justify=justify)
    for row in rows:
        made.add_row(*row)
    made.add_section()
    for row in totals:
        made.add_row(*row)
    Console(file=out, width=width).print(made)
    return out.getvalue()


def printed(title: str, columns, rows, totals) -> str:
    context._consoles.cache_clear()  # rich's console reads COLUMNS as it is made
    out = io.StringIO()
    real, sys.stdout = sys.stdout, out
    try:
        table.print_table(title, columns, rows, totals)
    finally:
        sys.stdout = real
    return out.getvalue()


def test_random_tables_print_as_rich_prints_them(monkeypatch):
    rng = random.Random(21)

    def text(longest: int) -> str:
        return "".join(rng.choice(LETTERS) for _ in range(rng.randint(0, longest))).strip()

    plain = 0
    for _ in range(1500):
        columns = [(text(8), rng.choice(("left", "right"))) for _ in range(rng.randint(1, 5))]
        rows = [[text(25) for _ in columns] for _ in range(rng.randint(0, 6))]
        totals = [[text(10) for _ in columns] for _ in range(rng.randint(0, 2))]
        title = " ".join("".join(rng.choice("abc→:0123456789-") for _ in range(rng.randint(1, 12)))
                         for _ in range(rng.randint(1, 8)))
        width = rng.randint(10, 120)
        monkeypatch.setenv("COLUMNS", str(width))
        plain += table._plain(title, columns, rows, totals) is not None
        assert printed(title, columns, rows, totals) == by_rich(title, columns, rows, totals,
                                                                width)
    assert plain > 400  # most fit: those were printed without rich


@pytest.mark.parametrize("cell", ["[bold]markup[/]", "wide 時間", "a :smile: b", " spaced",
                                  "x" * 200, "tab\there"])
def test_what_rich_would_change_is_printed_by_rich(monkeypatch, cell):
    monkeypatch.setenv("COLUMNS", "80")
    columns = [("project", "left"), ("time", "right")]
    rows = [(cell, "1h 00m"), ("other", "5m")]
    assert table._plain("a title", columns, rows, [("total", "1h 05m")]) is None
    assert printed("a title", columns, rows, [("total", "1h 05m")]) == by_rich(
        "a title", columns, rows, [("total", "1h 05m")], 80)


def test_rich_decides_the_terminal_and_the_width(monkeypatch):
    args = ("t", [("a", "left")], [("b",)], [])
    monkeypatch.setenv("COLUMNS", "80")
    for forced in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.setenv(forced, "1")
        assert table._plain(*args) is None
        monkeypatch.delenv(forced)
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    assert table._plain(*args) is not None
    monkeypatch.setenv("COLUMNS", "0")  # rich keeps a zero width: not worth copying
    assert table._plain(*args) is None
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("TTY_COMPATIBLE")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())  # styles: rich's own
    assert table._plain(*args) is None
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    assert table._plain(*args) is None  # rich draws the box in ASCII


def test_report_prints_the_table_rich_printed(tf_home):
    env = {"TIMEFORGED_HOME": tf_home, "PATH": "/usr/bin:/bin", "TZ": "UTC"}

    def tf(*args: str, columns: str = "100") -> str:
        done = subprocess.run([sys.executable, "-m", "desktop.cli", *args],
                              env={**env, "COLUMNS": columns}, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    tf("import", str(DATA / "wakatime_dump.json"))
    for by in ("project", "language", "day", "hour"):
        data = json.loads(tf("report", *RANGE, "--by", by, "--format", "json"))
        total = data["total_seconds"]
        shares = [(i["name"], i["total_seconds"], i["total_seconds"] / total)
                  for i in data["items"]]
        rows = [(name, format_duration(seconds), f"{100 * share:.1f}",
                 "█" * max(1, round(share * 30))) for name, seconds, share in shares]
        title = "2024-01-01 00:00 → 2024-02-01 00:00 by " + by
        columns = [(by, "left"), ("time", "right"), ("%", "right"), ("", "left")]
        for width in ("100", "30"):  # 30: too narrow, printed by rich
            assert tf("report", *RANGE, "--by", by, columns=width) == by_rich(
                title, columns, rows, [("total", format_duration(total), "", "")], int(width))
    sheet = tf("report", *RANGE, "--by", "day,project")
    assert sheet.splitlines()[0].strip() == "timesheet" and "total" in sheet
