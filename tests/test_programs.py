"""watchers.programs.which finds what shutil.which finds."""

from __future__ import annotations

import shutil

from watchers.programs import which


def test_which_finds_what_shutil_finds(monkeypatch, tmp_path):
    for name in ("sh", "python3", "pactl", "pw-dump", "no-such-program-here", "bin"):
        assert which(name) == shutil.which(name), name
    (tmp_path / "plain").write_text("")  # not executable
    (tmp_path / "tool").write_text("#!/bin/sh\n")
    (tmp_path / "tool").chmod(0o755)
    (tmp_path / "dir").mkdir()
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin")
    for name in ("plain", "tool", "dir"):
        assert which(name) == shutil.which(name), name
