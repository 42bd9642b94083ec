"""The `timeforged` commands as a user runs them: real processes on a real data folder."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

DATA = Path(__file__).parent.parent / "data"
RANGE = ("--from", "2024-01-01", "--to", "2024-01-31")


def tf(home: str, *args: str, ok: bool = True,
       stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {"TIMEFORGED_HOME": home, "PATH": "/usr/bin:/bin", "TZ": "UTC", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "desktop.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def report(home: str, *args: str) -> dict:
    return json.loads(tf(home, "report", *RANGE, "--format", "json", *args).stdout)


def test_import_report_export_round_trip(tf_home, tmp_path):
    out = tf(tf_home, "import", str(DATA / "wakatime_dump.json")).stdout
    assert "as wakatime" in out and "1h 22m" in out  # 4979 s
    by_project = report(tf_home, "--by", "project")
    assert by_project["total_seconds"] == 4979
    assert [(i["name"], i["total_seconds"]) for i in by_project["items"]][:2] == [
        ("timeforged", 3000), ("website", 1499)]
    items = report(tf_home, "--by", "language")["items"]
    languages = {i["name"]: i["total_seconds"] for i in items}
    assert languages["Python"] == 2790 and languages["HTML"] == 1499

    again = tf(tf_home, "import", str(DATA / "wakatime_dump.json")).stdout
    assert "Imported 0 new heartbeats (1h 22m)" in again and "26 were already there" in again
    assert report(tf_home)["total_seconds"] == 4979

    for fmt in ("json", "csv"):
        target = tmp_path / f"all.{fmt}"
        tf(tf_home, "export", str(target))
        other = tmp_path / f"other-{fmt}"
        other.mkdir()
        tf(str(other), "import", str(target))
        assert report(str(other), "--by", "language") == report(tf_home, "--by", "language")


def test_import_tells_the_time_reports_will_count(tf_home, tmp_path):
    """Overlapping spans in the file: the import says the overlap-resolved time, not the sum."""
    at = 1704103200  # 2024-01-01 10:00 UTC
    rows = [(at, at + 3600, "window", "firefox"), (at + 1800, at + 3600, "editor", "code"),
            (at + 2700, at + 4500, "window", "kitty")]  # 1h 15m covered, 2h summed
    path = tmp_path / "overlap.csv"
    path.write_text("start,end,uuid,source,app\n" + "".join(
        f"{a},{b},{uuid.uuid4()},{source},{app}\n" for a, b, source, app in rows))
    out = tf(tf_home, "import", str(path)).stdout
    assert "Imported 3 new spans (1h 15m)" in out, out
    assert report(tf_home)["total_seconds"] == 4500


def test_output_cut_short_by_the_reader_is_no_error(tf_home, tmp_path):
    """`timeforged report ... | head -1`: the pipe closes after one line, the report goes on
    writing (far more than a pipe holds); no traceback, a quiet exit."""
    at = 1704103200  # 2024-01-01 10:00 UTC
    path = tmp_path / "many.csv"
    path.write_text("start,end,uuid,source,file\n" + "".join(
        f"{at + 10 * i},{at + 10 * i + 10},{uuid.uuid4()},editor,/src/module_{i:05d}.py\n"
        for i in range(3000)))
    tf(tf_home, "import", str(path))
    env = {"TIMEFORGED_HOME": tf_home, "PATH": "/usr/bin:/bin", "TZ": "UTC", "COLUMNS": "200"}
    for fmt in ("table", "csv"):
        proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "report", *RANGE, "--by",
                                 "file", "--format", fmt], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 1, err  # as Python and rich do: no 141, no noise
        assert "Traceback" not in err and "Error" not in err, err


def test_report_formats_and_filters(tf_home):
    tf(tf_home, "import", str(DATA / "wakatime_dump.json"))
    csv_text = tf(tf_home, "report", *RANGE, "--by", "editor", "--format", "csv").stdout
    assert csv_text.splitlines()[:2] == ["editor,total_seconds", "vscode,3000.0"]
    table = tf(tf_home, "report", *RANGE, "--by", "project").stdout
    assert "timeforged" in table and "total" in table
    filtered = report(tf_home, "--by", "language", "--filter", "project=timeforged")
    assert filtered["total_seconds"] == 3000
    bad = tf(tf_home, "report", "--from", "soon", ok=False)
    assert bad.returncode == 2 and "cannot read 'soon'" in bad.stderr


def test_broken_import_changes_nothing(tf_home):
    tf(tf_home, "import", str(DATA / "activitywatch_export.json"))
    before = report(tf_home)
    done = tf(tf_home, "import", str(DATA / "wakatime_truncated.json"), ok=False)
    assert done.returncode == 2
    assert "wakatime_truncated.json" in done.stderr and "Nothing was imported" in done.stderr
    assert "Traceback" not in done.stderr
    assert report(tf_home) == before


def test_delete_a_range(tf_home):
    tf(tf_home, "import", str(DATA / "wakatime_dump.json"))
    declined = tf(tf_home, "delete", "--from", "2024-01-02", "--to", "2024-01-02", stdin="n\n",
                  ok=False)
    assert declined.returncode == 1 and report(tf_home)["total_seconds"] == 4979
    tf(tf_home, "delete", "--from", "2024-01-02", "--to", "2024-01-02", "--yes")
    left = report(tf_home)
    assert 0 < left["total_seconds"] < 4979
    day2 = report(tf_home, "--by", "day")
    assert "2024-01-02" not in {i["name"] for i in day2["items"]}
    db = Path(tf_home) / "timeforged.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_rules_check_points_at_the_line(tf_home, tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('[[rules]]\nmatch.app = "^kitty$"\ncategory = "coding"\n')
    assert "OK" in tf(tf_home, "rules", "check", str(good)).stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('# mine\n\n[[rules]]\nmatch.title = "(unclosed"\ncategory = "coding"\n')
    done = tf(tf_home, "rules", "check", str(bad), ok=False)
    assert done.returncode == 1 and f"{bad}:4:" in done.stderr
    listed = tf(tf_home, "rules", "list").stdout
    assert "coding" in listed and "default" in listed


def test_broken_config_and_rules_warn_but_commands_run(tf_home):
    Path(tf_home, "config.toml").write_text("[tracking\npoll_interval = 'fast'\n")
    Path(tf_home, "rules.toml").write_text("[[rules]]\nmatch.app = '('\n")
    done = tf(tf_home, "status")
    assert "config" in done.stderr and "rules" in done.stderr and "Today" in done.stdout
    Path(tf_home, "config.toml").write_text("[tracking]\npoll_interval = 'fast'\n")
    assert "tracking.poll_interval" in tf(tf_home, "status").stderr


def test_status_json_on_an_empty_home(tf_home):
    status = json.loads(tf(tf_home, "status", "--json").stdout)
    assert status["tracking"] is False and status["today_seconds"] == 0


def test_an_older_history_is_upgraded_once_and_says_so(tf_home):
    """A file left by an older version (schema 20 here) is brought to the current schema by
    the first command, which says so on stderr (a long history takes a while); not again."""
    from desktop.engine import paths
    from desktop.engine.store import migrations
    from desktop.engine.store.db import SCHEMA_VERSION, open_database

    path = paths.database_file(Path(tf_home))
    db = open_database(path, 5)
    migrations.migrate(db, target=SCHEMA_VERSION - 1)
    db.close()
    first = tf(tf_home, "status")
    assert f"schema {SCHEMA_VERSION - 1} -> {SCHEMA_VERSION}" in first.stderr
    assert "Upgrading the history" not in tf(tf_home, "status").stderr
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),)
    conn.close()
