"""Settings: file, environment overrides, validation messages naming the key, atomic saves."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from desktop.engine import paths
from desktop.engine.config import Config, ConfigError, load_config, save_config


def test_defaults_without_a_file(tmp_path):
    config = load_config(tmp_path / "config.toml", env={})
    assert config == Config()
    assert (config.tracking.poll_interval, config.tracking.idle_timeout,
            config.tracking.flush_interval) == (1.0, 180.0, 5.0)
    assert (config.goals.daily_coding_minutes, config.goals.category) == (120, "coding")
    assert (config.api.port, config.api.enabled) == (5757, True)
    assert config.imports.wakatime_timeout_minutes == 15


def test_default_path_is_in_the_home(tf_home):
    paths.config_file().write_text("[tracking]\npoll_interval = 2\n")
    assert load_config(env={}).tracking.poll_interval == 2.0


def test_file_values(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        'timezone = "Europe/Paris"\ndevice_name = "laptop"\n'
        "[tracking]\npoll_interval = 0.5\nidle_timeout = 300\nexcluded_apps = ['keepassxc']\n"
        "[goals]\ndaily_coding_minutes = 240\n[api]\nenabled = false\n")
    config = load_config(path, env={})
    assert config.timezone == "Europe/Paris" and config.device_name == "laptop"
    assert config.tracking.poll_interval == 0.5 and config.tracking.idle_timeout == 300.0
    assert config.tracking.excluded_apps == ["keepassxc"]
    assert config.goals.daily_coding_minutes == 240 and config.api.enabled is False
    assert config.zone() == ZoneInfo("Europe/Paris")


def test_environment_overrides_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[tracking]\npoll_interval = 0.5\n")
    env = {
        "TIMEFORGED_POLL_INTERVAL": "2.5",
        "TIMEFORGED_TRACKING_IDLE_TIMEOUT": "60",
        "TIMEFORGED_FLUSH_INTERVAL": "1",
        "TIMEFORGED_TIMEZONE": "Asia/Tokyo",
        "TIMEFORGED_API_ENABLED": "no",
        "TIMEFORGED_PORT": "6000",
        "TIMEFORGED_EXCLUDED_TITLES": "bank, salary",
        "TIMEFORGED_WAKATIME_TIMEOUT_MINUTES": "5",
        "TIMEFORGED_HOME": "/somewhere", "TIMEFORGED_THEME": "dark",  # not settings: ignored
        "PATH": "/usr/bin",
    }
    config = load_config(path, env=env)
    assert config.tracking.poll_interval == 2.5
    assert config.tracking.idle_timeout == 60 and config.tracking.flush_interval == 1
    assert config.timezone == "Asia/Tokyo" and config.api.enabled is False
    assert config.api.port == 6000
    assert config.tracking.excluded_titles == ["bank", "salary"]
    assert config.imports.wakatime_timeout_minutes == 5


@pytest.mark.parametrize(("text", "env", "message"), [
    ('[tracking]\npoll_interval = "fast"\n', {},
     "tracking.poll_interval: must be a number between 0.2 and 60, got 'fast'"),
    ("[tracking]\npoll_interval = 0.01\n", {},
     "tracking.poll_interval: must be a number between 0.2 and 60, got 0.01"),
    ("[tracking]\nidle_timeout = true\n", {}, "tracking.idle_timeout: must be a number"),
    ("[goals]\ndaily_coding_minutes = 12.5\n", {},
     "goals.daily_coding_minutes: must be a whole number between 0 and 1440, got 12.5"),
    ("[api]\nport = 80\n", {}, "api.port: must be a whole number between 1024 and 65535"),
    ("[api]\nenabled = 'yes'\n", {}, "api.enabled: must be true or false, got 'yes'"),
    ("[tracking]\nexcluded_apps = 'keepass'\n", {}, "tracking.excluded_apps: must be a list"),
    ("[tracking]\nredact_titles = ['(']\n", {},
     "tracking.redact_titles: bad regular expression '('"),
    ("[tracking]\npoll_intervall = 1\n", {}, "tracking.poll_intervall: unknown key"),
    ("colour = 'red'\n", {}, "colour: unknown key"),
    ("tracking = 3\n", {}, "tracking: must be a table"),
    ("timezone = 'Mars/Olympus'\n", {}, "timezone: unknown time zone 'Mars/Olympus'"),
    ("", {"TIMEFORGED_POLL_INTERVAL": "fast"},
     "TIMEFORGED_POLL_INTERVAL (tracking.poll_interval): must be a number between 0.2 and 60, "
     "got 'fast'"),
    ("", {"TIMEFORGED_API_ENABLED": "maybe"}, "TIMEFORGED_API_ENABLED (api.enabled): must be"),
    ("", {"TIMEFORGED_TIMEZONE": "Nowhere/Land"}, "timezone: unknown time zone"),
])
def test_bad_values_name_the_key(tmp_path, text, env, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env)
    assert message in str(caught.value)


def test_every_bad_key_is_reported(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[tracking]\npoll_interval = 'x'\nidle_timeout = -1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert [e.split(":")[0] for e in caught.value.errors] == [
        "tracking.poll_interval", "tracking.idle_timeout"]


@pytest.mark.parametrize("garbage", [
    "[tracking\npoll_interval = 1\n", "poll_interval = = 1\n", b"\xff\xfe\x00bad"])
def test_corrupt_file_gives_a_clear_error(tmp_path, garbage):
    path = tmp_path / "config.toml"
    path.write_bytes(garbage if isinstance(garbage, bytes) else garbage.encode())
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert str(caught.value).startswith(f"{path}: not a valid TOML file")
    assert Config().tracking.poll_interval == 1.0  # what the app falls back to


def test_save_and_load_round_trip_atomically(tmp_path):
    path = tmp_path / "sub" / "config.toml"
    config = Config(timezone="America/New_York")
    config.tracking.idle_timeout = 240
    config.tracking.redact_titles = ["bank"]
    config.api.port = 6001
    save_config(config, path)
    assert load_config(path, env={}) == config
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left
    assert "sleep_gap" not in path.read_text()  # unset values are left out


def test_system_zone_follows_tz(monkeypatch):
    monkeypatch.setenv("TZ", "Australia/Sydney")
    zone = Config().zone()
    assert zone == ZoneInfo("Australia/Sydney")
    # a real zone, so DST applies: January (summer) is +11, July +10
    assert datetime(2024, 1, 15, tzinfo=zone).utcoffset().total_seconds() == 11 * 3600
    assert datetime(2024, 7, 15, tzinfo=zone).utcoffset().total_seconds() == 10 * 3600
