"""Settings: config.toml in TimeForged's home, overridden by TIMEFORGED_* environment variables.

Every key `section.key` of the file can be set from the environment as
``TIMEFORGED_<SECTION>_<KEY>`` (``TIMEFORGED_TRACKING_POLL_INTERVAL``), and, when the key's
name is used by one section only, as ``TIMEFORGED_<KEY>`` (``TIMEFORGED_POLL_INTERVAL``).
Top-level keys are ``TIMEFORGED_<KEY>`` (``TIMEFORGED_TIMEZONE``, ``TIMEFORGED_DEVICE_NAME``).
Lists are comma-separated; booleans are 1/0, true/false, yes/no, on/off.
``TIMEFORGED_HOME`` is not a setting: it chooses the folder holding config and data.
"""

from __future__ import annotations

import os
import re
import time
import tomllib
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, ClassVar

from desktop.engine import paths
from desktop.engine.formatting import format_span

ENV_PREFIX = "TIMEFORGED_"


class ConfigError(ValueError):
    """Invalid settings; the message names each bad key (`errors` lists them one by one)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _range(low: float, high: float, unit: float | None = None) -> dict[str, Any]:
    """A number from `low` to `high`; `unit`: a duration counted in that many seconds."""
    return {"range": (low, high), "unit": unit} if unit else {"range": (low, high)}


class Setting:
    """One key of a section: its default (a list's is copied for each section; `factory`
    makes a whole section's), its type from the annotation (`kind`: bool, int, float, str or
    list, of strings; `optional`: None allowed) and its checks (`metadata`: range, unit, regex,
    format), as `load_config` and the settings dialog's forms read them."""

    __slots__ = ("default", "factory", "kind", "metadata", "name", "optional")

    def __init__(self, default: Any = None, metadata: Mapping[str, Any] | None = None, *,
                 factory: Callable[[], Any] | None = None) -> None:
        self.default, self.factory, self.metadata = default, factory, dict(metadata or {})
        self.name = ""
        self.kind: Any = None
        self.optional = False

    def new(self) -> Any:
        if self.factory is not None:
            return self.factory()
        return list(self.default) if isinstance(self.default, list) else self.default


_KINDS = {"bool": bool, "int": int, "float": float, "str": str, "list[str]": list}


class Section:
    """A group of settings, one per annotated attribute; the attribute's value in the class
    body is its default, or a `Setting` with its checks. Keyword construction, equality,
    repr and `replace` as a dataclass's (made without dataclasses: every command loads the
    config, and `dataclasses` would cost it ~10 ms)."""

    SETTINGS: ClassVar[tuple[Setting, ...]] = ()

    def __init_subclass__(cls) -> None:
        settings = []
        for name, annotation in cls.__annotations__.items():
            value = cls.__dict__.get(name)
            spec = value if isinstance(value, Setting) else Setting(value)
            base = annotation.removesuffix(" | None")
            spec.name, spec.kind, spec.optional = name, _KINDS.get(base), base != annotation
            settings.append(spec)
            setattr(cls, name, spec.default)
        cls.SETTINGS = tuple(settings)

    def __init__(self, **values: Any) -> None:
        for spec in self.SETTINGS:
            setattr(self, spec.name, values.pop(spec.name) if spec.name in values else spec.new())
        if values:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument "
                            f"{next(iter(values))!r}")

    def values(self) -> dict[str, Any]:
        return {spec.name: getattr(self, spec.name) for spec in self.SETTINGS}

    def replace(self, **changes: Any) -> Any:
        """A copy with `changes` (as dataclasses.replace)."""
        return type(self)(**{**self.values(), **changes})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.values() == other.values()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        return f"{type(self).__qualname__}({shown})"

    def as_dict(self) -> dict[str, Any]:
        """The values, sections as dicts and lists copied (as dataclasses.asdict)."""
        return {name: value.as_dict() if isinstance(value, Section)
                else list(value) if isinstance(value, list) else value
                for name, value in self.values().items()}


class TrackingConfig(Section):
    poll_interval: float = Setting(1.0, _range(0.2, 60, 1))
    idle_timeout: float = Setting(180.0, _range(10, 86_400, 1))
    flush_interval: float = Setting(5.0, _range(0.5, 10, 1))
    # A gap between polls above this is sleep/suspend; None: max(3 polls, 10 s).
    sleep_gap: float | None = Setting(None, _range(2, 3600, 1))
    excluded_apps: list[str] = Setting([], {"regex": True})
    excluded_titles: list[str] = Setting([], {"regex": True})
    redact_titles: list[str] = Setting([], {"regex": True})


class GoalsConfig(Section):
    daily_coding_minutes: int = Setting(120, _range(0, 1440))
    category: str = "coding"


class ApiConfig(Section):
    port: int = Setting(5757, _range(1024, 65535))
    enabled: bool = True


class ImportsConfig(Section):
    wakatime_timeout_minutes: float = Setting(15.0, _range(1, 240, 60))


class BreaksConfig(Section):
    """Break reminders (desktop.engine.breaks)."""

    enabled: bool = True
    micro_interval_minutes: float = Setting(20.0, _range(1, 240, 60))
    micro_duration_seconds: float = Setting(20.0, _range(5, 600, 1))
    long_interval_minutes: float = Setting(60.0, _range(5, 480, 60))
    long_duration_minutes: float = Setting(5.0, _range(1, 60, 60))
    warning_seconds: float = Setting(30.0, _range(0, 600, 1))
    postpone_minutes: float = Setting(5.0, _range(1, 60, 60))
    max_postpones: int = Setting(2, _range(0, 10))
    strict: bool = False
    do_not_disturb: bool = True  # no break over a full-screen window
    daily_limit_minutes: float | None = Setting(None, _range(10, 1440, 60))


class FocusConfig(Section):
    """Focus sessions (desktop.engine.focus): what a session started without options does."""

    default_minutes: float = Setting(50.0, _range(1, 1440, 60))
    block_distracting: bool = True  # the rules' categories with productivity < 0
    block_sites: list[str] = Setting([], {"format": "site"})
    block_apps: list[str] = Setting([])
    hosts_block: bool = True  # write the hosts file (asks for the administrator password)
    minimize_blocked: bool = False
    # "weekdays 09:00-12:00"; a bad one is a warning at start (the rest still run)
    schedules: list[str] = Setting([], {"format": "schedule"})


class KeepActiveConfig(Section):
    """What keeps the time active without input (watchers.keep_active), each switchable."""

    audio: bool = True  # sound from the focused app or browser tab
    meeting: bool = True  # a meeting app or page in focus
    screen_share: bool = True  # a screen-sharing window or bar in focus
    fullscreen: bool = True  # a fullscreen window (a presentation, a video)
    meeting_apps: list[str] = Setting([], {"regex": True})
    pause_breaks_in_calls: bool = True  # breaks and blocking wait during a call or a share


class WorkingHoursConfig(Section):
    """Working hours, set once: "weekdays 09:00-17:30" (the focus schedules' syntax). Break
    reminders only inside them; focus schedules may say "working hours"."""

    schedule: list[str] = Setting([], {"format": "hours"})
    track_only_inside: bool = False


class SyncConfig(Section):
    """Sync with a self-hosted TimeForged server (desktop.engine.sync); off unless enabled.
    The API key is kept in the OS keyring (or a 0600 file where none works), not here."""

    enabled: bool = False
    url: str | None = None  # https://timeforged.example.com
    interval_minutes: float = Setting(5.0, _range(0.05, 1440, 60))


class UpstreamConfig(Section):
    """Forward each heartbeat to one WakaTime-compatible API (desktop.engine.upstream); its
    key is kept in the OS keyring (`timeforged setup-upstream`), not here."""

    url: str | None = None  # its API base, as wakatime-cli's api_url; None: no forwarding


class GitConfig(Section):
    """Whose commits collect coding time (desktop.engine.commits): each repository's
    `user.email`, and these addresses too (others you have committed as)."""

    emails: list[str] = Setting([])


class Config(Section):
    timezone: str | None = None  # an IANA name ("Europe/Paris"); None: the system's
    device_name: str | None = None  # None: the store's device id
    tracking: TrackingConfig = Setting(factory=TrackingConfig)
    goals: GoalsConfig = Setting(factory=GoalsConfig)
    api: ApiConfig = Setting(factory=ApiConfig)
    imports: ImportsConfig = Setting(factory=ImportsConfig)
    breaks: BreaksConfig = Setting(factory=BreaksConfig)
    focus: FocusConfig = Setting(factory=FocusConfig)
    sync: SyncConfig = Setting(factory=SyncConfig)
    keep_active: KeepActiveConfig = Setting(factory=KeepActiveConfig)
    working_hours: WorkingHoursConfig = Setting(factory=WorkingHoursConfig)
    git: GitConfig = Setting(factory=GitConfig)
    upstream: UpstreamConfig = Setting(factory=UpstreamConfig)

    def zone(self) -> tzinfo:
        """The user's time zone: the configured one, else the system's."""
        from zoneinfo import ZoneInfo  # not for `timeforged now`, which reads no time zone

        return ZoneInfo(self.timezone) if self.timezone else system_zone()

    def to_dict(self) -> dict[str, Any]:
        """The settings as TOML-ready data (unset values left out)."""
        return _drop_none(self.as_dict())


SYSTEM_ZONE_SECONDS = 60.0  # how long the system's zone is taken as read (the engine asks
# every poll; a change of zone, say after travelling, shows within a minute)
_system_zone: tuple[float, str, tzinfo] | None = None  # (read at, $TZ then, the zone)


def system_zone() -> tzinfo:
    """The system's time zone, as a named zone when it can be found (so DST rules apply)."""
    global _system_zone
    now, tz_env = time.monotonic(), os.environ.get("TZ", "")
    if _system_zone is not None:
        read_at, was_env, zone = _system_zone
        if was_env == tz_env and now - read_at < SYSTEM_ZONE_SECONDS:
            return zone
    zone = _read_system_zone()
    _system_zone = (now, tz_env, zone)
    return zone


def _read_system_zone() -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = os.environ.get("TZ", "").lstrip(":")
    candidates = [name] if name else []
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for candidate in candidates:
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


_SECTIONS = {s.name: s.factory for s in Config.SETTINGS if s.factory is not None}
_TOP_KEYS = [s.name for s in Config.SETTINGS if s.name not in _SECTIONS]


def settings_of(section: Section | type[Section]) -> dict[str, Setting]:
    """The settings of a section (or of its class), by name, in order."""
    return {spec.name: spec for spec in section.SETTINGS}


def _describe(spec: Setting) -> str:
    meta = spec.metadata
    low_high = meta.get("range")
    base = spec.kind
    if base in (int, float):
        noun = "a whole number" if base is int else "a number"
        return f"must be {noun} between {low_high[0]:g} and {low_high[1]:g}" if low_high \
            else f"must be {noun}"
    if base is bool:
        return "must be true or false"
    if base is list:
        return "must be a list of strings"
    return "must be a string"


def _convert(name: str, value: Any, spec: Setting, from_env: bool) -> tuple[Any, str | None]:
    """(the checked value, or an error message naming `name`)."""
    base, meta = spec.kind, spec.metadata
    wrong = f"{name}: {_describe(spec)}, got {value!r}"
    if from_env and isinstance(value, str):
        if base is list:
            value = [part.strip() for part in value.split(",") if part.strip()]
        elif base is bool:
            lowered = value.strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                return None, wrong
            value = lowered in {"1", "true", "yes", "on"}
        elif base in (int, float):
            try:
                value = float(value) if base is float else int(value)
            except ValueError:
                return None, wrong
    if base is bool:
        return (value, None) if isinstance(value, bool) else (None, wrong)
    if base in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, wrong
        if base is int and isinstance(value, float):
            if not value.is_integer():
                return None, wrong
            value = int(value)
        low, high = meta.get("range", (float("-inf"), float("inf")))
        if not low <= value <= high:
            return None, wrong
        return (float(value) if base is float else value), None
    if base is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, wrong
        if meta.get("regex"):
            for pattern in value:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    return None, f"{name}: bad regular expression {pattern!r}: {exc}"
        return list(value), None
    if not isinstance(value, str) or not value.strip():
        return None, f"{name}: must be a non-empty string, got {value!r}"
    return value, None


def field_problem(section: Any, key: str, value: Any) -> str | None:
    """Why `value` cannot be setting `key` of config section `section` (a Section or its
    class), or None: the checks `load_config` makes, plus the formats the engine parses later
    (focus schedules, site names), which at start would only be warned about and ignored."""
    spec = settings_of(section)[key]
    meta = spec.metadata
    unit, (low, high) = meta.get("unit"), meta.get("range", (None, None))
    if unit and isinstance(value, int | float) and not low <= value <= high:
        return (f"must be from {format_span(low * unit)} to {format_span(high * unit)}, "
                f"not {format_span(value * unit)}")
    _checked, error = _convert(key, value, spec, False)
    if error:
        return error.removeprefix(f"{key}: ")
    parse = _FORMATS.get(meta.get("format", ""))
    for item in value if parse else ():
        try:
            parse(item)  # type: ignore[misc]
        except ValueError as exc:
            return str(exc)
    return None


def _schedule(text: str) -> None:
    from desktop.engine.focus.session import FocusError, Schedule
    from desktop.engine.working_hours import is_working_hours

    if is_working_hours(text):
        return
    try:
        Schedule.parse(text)
    except FocusError as exc:
        raise ValueError(str(exc)) from None


def _site(text: str) -> None:
    from desktop.engine.focus.blocklist import normalize_site
    from desktop.engine.focus.hosts import HostsError

    try:
        normalize_site(text)
    except HostsError as exc:
        raise ValueError(f"{exc} (try example.com)") from None


def _hours(text: str) -> None:
    from desktop.engine.focus.session import FocusError
    from desktop.engine.working_hours import WorkingHours

    try:
        WorkingHours.parse([text])
    except FocusError as exc:
        raise ValueError(str(exc)) from None


_FORMATS = {"schedule": _schedule, "hours": _hours, "site": _site}


def _env_names() -> dict[str, tuple[str | None, str]]:
    """Environment variable -> (section or None, key)."""
    names: dict[str, tuple[str | None, str]] = {
        ENV_PREFIX + key.upper(): (None, key) for key in _TOP_KEYS}
    counts: dict[str, int] = {}
    for section, factory in _SECTIONS.items():
        for key in settings_of(factory()):
            names[f"{ENV_PREFIX}{section.upper()}_{key.upper()}"] = (section, key)
            counts[key] = counts.get(key, 0) + 1
    for section, factory in _SECTIONS.items():
        for key in settings_of(factory()):
            short = ENV_PREFIX + key.upper()
            if counts[key] == 1 and short not in names:
                names[short] = (section, key)
    return names


def _apply(target: Any, key: str, value: Any, name: str, from_env: bool,
           errors: list[str]) -> None:
    checked, error = _convert(name, value, settings_of(target)[key], from_env)
    if error:
        errors.append(error)
    else:
        setattr(target, key, checked)


def load_config(path: Path | str | None = None,
                env: Mapping[str, str] | None = None) -> Config:
    """The settings from `path` (default: config.toml in the home) and `env` (default:
    os.environ). A missing file means the defaults. Raises ConfigError naming every bad key."""
    path = Path(path) if path is not None else paths.config_file()
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text("utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{path}: not a valid TOML file: {exc}"]) from None
        except OSError as exc:
            raise ConfigError([f"{path}: cannot be read: {exc.strerror or exc}"]) from None
    config = Config()
    errors: list[str] = []
    for key, value in data.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                errors.append(f"{key}: must be a table ([{key}])")
                continue
            section = getattr(config, key)
            known = set(settings_of(section))
            for sub, sub_value in value.items():
                if sub not in known:
                    errors.append(f"{key}.{sub}: unknown key (known: {', '.join(sorted(known))})")
                else:
                    _apply(section, sub, sub_value, f"{key}.{sub}", False, errors)
        elif key in _TOP_KEYS:
            _apply(config, key, value, key, False, errors)
        else:
            known = sorted([*_TOP_KEYS, *_SECTIONS])
            errors.append(f"{key}: unknown key (known: {', '.join(known)})")
    names = _env_names()
    for var, value in env.items():
        if var not in names:  # other TIMEFORGED_* variables (HOME, the UI's) are not ours
            continue
        section, key = names[var]
        label = f"{var} ({section}.{key})" if section else f"{var} ({key})"
        _apply(getattr(config, section) if section else config, key, value, label, True, errors)
    if config.timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(config.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(f"timezone: unknown time zone {config.timezone!r} "
                          "(use an IANA name such as 'Europe/Paris')")
    errors += _sync_errors(config.sync)
    if config.upstream.url and not config.upstream.url.startswith(("http://", "https://")):
        errors.append(f"upstream.url: must start with http:// or https://, "
                      f"got {config.upstream.url!r}")
    if errors:
        raise ConfigError(errors)
    return config


def _sync_errors(sync: SyncConfig) -> list[str]:
    if sync.url and not sync.url.startswith(("http://", "https://")):
        return [f"sync.url: must start with http:// or https://, got {sync.url!r}"]
    if sync.enabled and not sync.url:
        return ["sync.url: needed to sync (sync.enabled is true)"]
    return []


def save_config(config: Config, path: Path | str | None = None) -> None:
    """Write `config` atomically: a crash leaves the old file or the new one, never half."""
    path = Path(path) if path is not None else paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # here: most processes only read the config

    import tomli_w

    text = tomli_w.dumps(config.to_dict())
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
