"""`timeforged setup-editors` on a temporary HOME: comments and other keys kept, idempotent."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

from desktop.engine.api.security import is_valid_key
from desktop.engine.editors import set_settings

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL = """\
# my wakatime config
[settings]
debug = false
# the key of my wakatime.com account:
api_key = waka_0c0f36a9-8b6a-4a0e-9a5f-1b2c3d4e5f60
hide_file_names = false
exclude =
    ^COMMIT_EDITMSG$
    ^TAG_EDITMSG$

; projects
[projectmap]
~/src/acme/ = acme

[git]
submodules_disabled = false
"""


def setup_editors(home: Path, tf_home: Path, *args: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "setup-editors", *args], cwd=ROOT,
        env={**os.environ, "HOME": str(home), "TIMEFORGED_HOME": str(tf_home),
             "COLUMNS": "200", **env},
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_existing_config_keeps_comments_and_settings_and_is_idempotent(tmp_path):
    home, tf_home = tmp_path / "home", tmp_path / "tf"
    home.mkdir()
    cfg = home / ".wakatime.cfg"
    cfg.write_text(ORIGINAL)

    out = setup_editors(home, tf_home)
    text = cfg.read_text()
    key = (tf_home / "api_key").read_text().strip()
    assert is_valid_key(key)
    assert f"api_key = {key}\n" in text and "api_url = http://127.0.0.1:5757/api/v1\n" in text
    # everything else is there, byte for byte, in order
    kept = [line for line in ORIGINAL.splitlines() if not line.startswith("api_key")]
    assert [line for line in text.splitlines() if not line.startswith("api_")] == kept
    parsed = configparser.ConfigParser()
    parsed.read_string(text)
    assert parsed["settings"]["api_key"] == key
    assert parsed["settings"]["exclude"].split() == ["^COMMIT_EDITMSG$", "^TAG_EDITMSG$"]
    assert parsed["projectmap"]["~/src/acme/"] == "acme"
    backups = list(home.glob(".wakatime.cfg.*.bak"))
    assert [b.read_text() for b in backups] == [ORIGINAL]
    assert "api_url = http://127.0.0.1:5757/api/v1" in out and "Backed up" in out
    assert oct(cfg.stat().st_mode & 0o777) == "0o600"

    again = setup_editors(home, tf_home)
    assert "nothing changed" in again
    assert cfg.read_text() == text and len(list(home.glob(".wakatime.cfg.*.bak"))) == 1


def test_fresh_home_with_wakatime_home_and_another_port(tmp_path):
    waka, tf_home = tmp_path / "waka", tmp_path / "tf"
    waka.mkdir()
    tf_home.mkdir()
    (tf_home / "config.toml").write_text("[api]\nport = 6123\n")
    setup_editors(tmp_path / "nohome", tf_home, WAKATIME_HOME=str(waka))
    text = (waka / ".wakatime.cfg").read_text()
    assert re.fullmatch(r"\[settings\]\napi_url = http://127.0.0.1:6123/api/v1\n"
                        r"api_key = [0-9a-f-]{36}\n", text)
    # a new TimeForged home adopts the key an earlier setup wrote, so editors keep working
    other = tmp_path / "tf2"
    setup_editors(tmp_path / "nohome", other, "--port", "6123", WAKATIME_HOME=str(waka))
    assert (other / "api_key").read_text() == (tf_home / "api_key").read_text()
    assert (waka / ".wakatime.cfg").read_text() == text


def test_line_editing_keeps_crlf_and_adds_a_settings_section():
    crlf = "[settings]\r\ndebug = true\r\napi_url: https://api.wakatime.com/api/v1\r\n"
    edit = set_settings(crlf, {"api_url": "U", "api_key": "K"})
    assert edit.text == "[settings]\r\ndebug = true\r\napi_url = U\r\napi_key = K\r\n"
    assert edit.old == {"api_url": "https://api.wakatime.com/api/v1"}
    no_settings = "[projectmap]\n~/x = y"
    assert set_settings(no_settings, {"api_key": "K"}).text == \
        "[projectmap]\n~/x = y\n\n[settings]\napi_key = K\n"
    twice = "[settings]\napi_key = a\napi_key = b\n# api_key = commented\n"
    assert set_settings(twice, {"api_key": "K"}).text == "[settings]\napi_key = K\n" \
        "# api_key = commented\n"
    assert set_settings("", {"api_key": "K"}).text == "[settings]\napi_key = K\n"
