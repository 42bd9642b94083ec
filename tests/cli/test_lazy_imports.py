"""What a command loads: the parser alone loads no command's module, and the commands a shell
prompt or a status bar runs often load nothing heavy they do not use (issue 21)."""

from __future__ import annotations

import argparse
import importlib
import json
import socket
import subprocess
import sys

import pytest

from desktop.cli import COMMANDS

HEAVY = ("rich", "peewee", "numpy", "PySide6", "pyqtgraph", "pygments", "psutil", "Xlib",
         "fastapi")
# Lighter, but `status` runs in shell prompts: what it does not need (issue 21, rounds 2 and
# 3: dataclasses imports inspect; argparse's formatter, shutil).
NOT_FOR_STATUS = ("platformdirs", "tempfile", "socket", "encodings.idna",
                  "desktop.engine.gitlog", "desktop.engine.api.client", "dataclasses",
                  "inspect", "shutil", "calendar")
# `now` on an editor's window, no sound server nor PipeWire running (issue 21, round 4): not
# the other kinds' tables, psutil (/proc answers), pyxdg (no meeting app), pactl's process
# (subprocess), shutil, logging (only a failure logs); round 5: dataclasses and inspect (the
# watchers' values are watchers.records), ElementTree (no recently-used.xbel), zoneinfo.
NOT_FOR_NOW = ("psutil", "xdg", "socket", "pygments.lexers", "watchers.browsers",
               "watchers.sites", "watchers.terminals", "watchers.tmux", "Xlib", "rich",
               "desktop.engine.rules", "subprocess", "shutil", "logging", "dataclasses",
               "inspect", "xml.etree.ElementTree", "zoneinfo")

LOADED = """
import contextlib, io, json, sys
import desktop.cli
{code}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def loaded(code: str, home: str, modules: tuple[str, ...] = HEAVY,
           env: dict[str, str] | None = None) -> list[str]:
    """Which of `modules` are in sys.modules after running `code` in a new interpreter (its
    API port one where nothing answers: a tracker running on this machine would)."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED.format(code=code, heavy=modules)],
        env={"TIMEFORGED_HOME": home, "PATH": "/usr/bin:/bin", "TZ": "UTC",
             "TIMEFORGED_API_PORT": str(free_port()), **(env or {})},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


def run(argv: list[str]) -> str:
    return (f"with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert desktop.cli.main({argv!r}) == 0")


def test_the_parser_and_its_help_load_no_command(tf_home):
    assert loaded("desktop.cli.build_parser()", tf_home) == []
    help_text = subprocess.run([sys.executable, "-m", "desktop.cli", "--help"],
                               capture_output=True, text=True, timeout=120).stdout
    for name, command in COMMANDS.items():
        assert name in help_text and command.help.split()[0] in help_text


def test_the_table_tells_each_command_as_its_module_registers_it():
    registered = {}
    for module in {c.module for c in COMMANDS.values()}:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"desktop.cli.{module}").register(sub)
        registered |= {a.dest: (module, a.help) for a in sub._choices_actions}
    assert registered == {name: tuple(c) for name, c in COMMANDS.items()}


def test_status_and_report_read_the_store_without_peewee(tf_home):
    assert "peewee" in loaded(run(["status"]), tf_home)  # a new file: its schema is made
    assert loaded(run(["status"]), tf_home) == []
    assert loaded(run(["status", "--json"]), tf_home) == []
    assert loaded(run(["report", "today", "--format", "json"]), tf_home) == []
    assert loaded(run(["report", "today"]), tf_home) == []  # the table, piped: no rich


def test_status_and_report_load_no_platform_dirs_socket_git_nor_dataclasses(tf_home):
    loaded(run(["status"]), tf_home)  # a new file: its schema is made (Peewee loads socket)
    assert loaded(run(["status"]), tf_home, NOT_FOR_STATUS) == []
    assert loaded(run(["status", "--json"]), tf_home, NOT_FOR_STATUS) == []
    assert loaded(run(["report", "today"]), tf_home, NOT_FOR_STATUS) == []


def test_now_reads_the_config_without_the_rules(tf_home):
    assert loaded(run(["now", "--json"]), tf_home, ("desktop.engine.rules", "rich")) == []


@pytest.mark.x11
def test_now_on_an_editor_loads_only_what_its_answer_needs(tf_home, x_session, tmp_path):
    window = x_session.open_window("cart.py - webshop - Visual Studio Code", "Code")
    try:
        env = {"DISPLAY": x_session.display, "XDG_SESSION_TYPE": "x11",
               "XDG_RUNTIME_DIR": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
               "XDG_DATA_DIRS": str(tmp_path / "none")}
        code = (run(["now", "--json"]) +
                "\nimport watchers.inference\nassert 'watchers.editors' in sys.modules")
        assert loaded(code, tf_home, NOT_FOR_NOW, env) == []
        # a browser's window loads the browsers' tables
        browser = x_session.open_window("Inbox - Chromium", "Chromium")
        try:
            assert loaded(run(["now", "--json"]), tf_home, ("watchers.browsers",), env) == \
                ["watchers.browsers"]
        finally:
            browser.close()
    finally:
        window.close()
