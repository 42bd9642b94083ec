"""`timeforged log --category` and `edit --category` as a user runs them: real processes on a
real data folder; totals by category equal a plain reference, also after the rules change."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_commands import DATA, report, tf
from tests.cli.test_manual_time import spans


def by_category(home: str, *args: str) -> dict[str, float]:
    return {i["name"]: i["total_seconds"] for i in report(home, "--by", "category", *args)["items"]}


def moved(totals: dict[str, float], part: dict[str, float], to: str) -> dict[str, float]:
    """`totals` with the time of `part` (by category) all under `to`."""
    out = dict(totals)
    for name, seconds in part.items():
        out[name] -= seconds
    out[to] = out.get(to, 0.0) + sum(part.values())
    return {k: round(v, 6) for k, v in out.items() if round(v, 6)}


def same(got: dict[str, float], want: dict[str, float]) -> None:
    assert {k: round(v, 3) for k, v in got.items()} == {k: round(v, 3) for k, v in want.items()}


def test_log_and_edit_with_a_category(tf_home):
    tf(tf_home, "import", str(DATA / "wakatime_dump.json"))  # 4979 s in January 2024
    before = by_category(tf_home)
    assert "meeting" not in before
    out = tf(tf_home, "log", "1h", "--project", "client-x", "--category", "meeting",
             "--at", "2024-01-20 14:00").stdout
    assert "logged 1h 00m on client-x (meeting)" in out
    after = by_category(tf_home)
    same(after, {**before, "meeting": 3600.0})
    (entry,) = [s for s in spans(tf_home) if s["manual"]]
    assert entry["category"] == "meeting"

    # One span to another category: its time moves, the total stays.
    tracked = max((s for s in spans(tf_home) if not s["manual"]), key=lambda s: s["seconds"])
    window = ("--from", tracked["start"][:19].replace("T", " "),
              "--to", tracked["end"][:19].replace("T", " "))
    part = by_category(tf_home, *window)
    assert "design" not in part
    assert "category design" in tf(tf_home, "edit", tracked["id"][:8], "--category",
                                    "design").stdout
    same(by_category(tf_home), moved(after, part, "design"))

    # A range, whatever recorded it, to one category.
    window = ("--from", "2024-01-01", "--to", "2024-01-20 14:30")
    part = by_category(tf_home, *window)
    expected = moved(by_category(tf_home), part, "planning")
    out = tf(tf_home, "edit", "--from", "2024-01-01 00:00", "--to", "2024-01-20 14:30",
             "--category", "planning").stdout
    assert "spans to category planning" in out
    same(by_category(tf_home), expected)
    assert report(tf_home)["total_seconds"] == report(tf_home, "--by", "category")[
        "total_seconds"]

    # Other rules (everything reclassified): what was set by hand stays where it was put.
    Path(tf_home, "rules.toml").write_text(
        '[[rules]]\nmatch.project = ".*"\ncategory = "learning"\n', encoding="utf-8")
    relearned = by_category(tf_home)
    assert relearned.get("planning") == expected["planning"]
    assert relearned.get("meeting") == expected["meeting"] == 1800  # 14:30-15:00 stayed
    assert sum(relearned.values()) == sum(expected.values())

    # '' gives a span back to the rules.
    tf(tf_home, "edit", tracked["id"], "--category", "")
    assert [s["category"] for s in spans(tf_home) if s["id"] == tracked["id"]] == [None]


def test_bad_categories_are_refused_and_store_nothing(tf_home):
    tf(tf_home, "log", "1h", "--project", "x", "--at", "2024-01-20 10:00")
    (entry,) = spans(tf_home)
    for args in (("log", "1h", "--project", "x", "--category", "meting"),
                 ("edit", entry["id"], "--category", "nope"),
                 ("edit", entry["id"], "--category", "meeting", "--delete"),
                 ("edit", "--from", "2024-01-20 09:00", "--to", "2024-01-20 12:00",
                  "--category", "nope")):
        done = tf(tf_home, *args, ok=False)
        assert done.returncode == 2 and "error:" in done.stderr, args
    assert "unknown category 'meting' (known: " in tf(
        tf_home, "log", "1h", "--project", "x", "--category", "meting", ok=False).stderr
    assert spans(tf_home) == [entry]
