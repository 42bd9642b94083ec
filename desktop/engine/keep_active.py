"""The engine's side of watchers.keep_active: its rules from config `[keep_active]` (working
hours applied to one poll are in work_time.py)."""

from __future__ import annotations

from desktop.engine.config import KeepActiveConfig
from watchers.keep_active import KeepActive, KeepActiveSettings


def keep_active_settings(config: KeepActiveConfig) -> KeepActiveSettings:
    return KeepActiveSettings(audio=config.audio, meeting=config.meeting,
                              screen_share=config.screen_share, fullscreen=config.fullscreen,
                              meeting_apps=tuple(config.meeting_apps))


def create_keep_active(config: KeepActiveConfig, *, ask_always: bool = False) -> KeepActive:
    """`ask_always`: ask the sound server on every call, even while input comes (`now`)."""
    keep = KeepActive(keep_active_settings(config))
    if ask_always:
        keep.audio_after_idle = keep.audio_recheck = 0.0
    return keep
