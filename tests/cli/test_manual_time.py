"""`timeforged log`, `sessions`, `edit` and the timesheet as a user runs them: real processes
on a real data folder."""

from __future__ import annotations

import csv
import io
import json

from tests.cli.test_commands import DATA, RANGE, report, tf


def spans(home: str) -> list[dict]:
    return json.loads(tf(home, "sessions", *RANGE, "--spans", "--format", "json").stdout)["spans"]


def test_log_sessions_edit_and_timesheet(tf_home):
    tf(tf_home, "import", str(DATA / "wakatime_dump.json"))  # 4979 s in January 2024
    before = report(tf_home, "--by", "project")
    out = tf(tf_home, "log", "1h30m", "--project", "client-x", "--note", "design review",
             "--at", "2024-01-20 14:00").stdout
    assert "logged 1h 30m on client-x 2024-01-20 14:00–15:30 (manual" in out
    after = report(tf_home, "--by", "project")
    assert after["total_seconds"] == before["total_seconds"] + 5400
    entry = [s for s in spans(tf_home) if s["manual"]]
    assert [(e["project"], e["title"], e["seconds"], e["source"]) for e in entry] == [
        ("client-x", "design review", 5400, "manual")]
    sources = {i["name"]: i["total_seconds"] for i in report(tf_home, "--by", "source")["items"]}
    assert sources["manual"] == 5400

    sessions = json.loads(tf(tf_home, "sessions", *RANGE, "--format", "json").stdout)["sessions"]
    assert sum(s["seconds"] for s in sessions) == after["total_seconds"]
    meeting = [s for s in sessions if s["manual"]]
    assert [(m["start"], m["end"], m["project"]) for m in meeting] == [
        ("2024-01-20T14:00:00+00:00", "2024-01-20T15:30:00+00:00", "client-x")]
    assert "(manual)" in tf(tf_home, "sessions", *RANGE).stdout

    # The timesheet: one row per day and project, adding up to the report's total.
    rows = list(csv.DictReader(io.StringIO(tf(
        tf_home, "report", *RANGE, "--by", "day,project", "--format", "csv").stdout)))
    assert sum(float(r["total_seconds"]) for r in rows) == after["total_seconds"]
    assert {"day": "2024-01-20", "project": "client-x", "hours": "1.50",
            "total_seconds": "5400.0"} in rows
    assert len({(r["day"], r["project"]) for r in rows}) == len(rows)
    sheet = json.loads(tf(tf_home, "report", *RANGE, "--by", "day,project", "--format",
                          "json").stdout)
    assert sheet["total_seconds"] == after["total_seconds"]

    # Split the entry at 15:00, move the second half, delete the first (after a refusal).
    ident = entry[0]["id"]
    assert "split" in tf(tf_home, "edit", ident[:8], "--split-at", "2024-01-20 15:00").stdout
    halves = sorted((s for s in spans(tf_home) if s["manual"]), key=lambda s: s["start"])
    assert [h["seconds"] for h in halves] == [3600, 1800] and halves[0]["id"] == ident
    tf(tf_home, "edit", halves[1]["id"], "--project", "client-y")
    by_project = {i["name"]: i["total_seconds"] for i in report(tf_home)["items"]}
    assert by_project["client-x"] == 3600 and by_project["client-y"] == 1800
    refused = tf(tf_home, "edit", ident, "--delete", stdin="n\n", ok=False)
    assert refused.returncode == 1 and report(tf_home)["total_seconds"] == after["total_seconds"]
    tf(tf_home, "edit", ident, "--delete", "--yes")
    assert report(tf_home)["total_seconds"] == before["total_seconds"] + 1800

    # A range of time, whatever recorded it, to one project: the total stays.
    out = tf(tf_home, "edit", "--from", "2024-01-20 15:10", "--to", "2024-01-20 15:20",
             "--project", "client-z").stdout
    assert "moved 1 spans to client-z" in out
    by_project = {i["name"]: i["total_seconds"] for i in report(tf_home)["items"]}
    assert by_project["client-z"] == 600 and by_project["client-y"] == 1200
    assert report(tf_home)["total_seconds"] == before["total_seconds"] + 1800


def test_bad_input_is_refused_and_stores_nothing(tf_home):
    for args in (("log", "soon", "--project", "x"), ("log", "1h", "--project", " "),
                 ("log", "1h", "--project", "x", "--at", "25:00"),
                 ("edit", "nope", "--project", "x"), ("edit", "--from", "2024-01-02"),
                 ("edit", "--from", "2024-01-02 10:00", "--to", "2024-01-02 11:00", "--delete")):
        done = tf(tf_home, *args, ok=False)
        assert done.returncode == 2 and "error:" in done.stderr, args
    assert spans(tf_home) == []
