"""Entry point of the frozen app (PyInstaller runs this file as ``__main__``).

A frozen executable has no interpreter to take ``-m``, yet the app starts itself the way a
Python install would: autostart entries may say ``<exe> -m desktop.cli app --autostart`` and
the focus helper is started as ``<exe> -I -m desktop.engine.focus.helper ...``. Those two
modules (and nothing else) are accepted here; any other arguments go to the `timeforged`
command.
"""

from __future__ import annotations

import runpy
import sys

MODULES = ("desktop.cli", "desktop.engine.focus.helper")


def module_call(argv: list[str]) -> tuple[str, list[str]] | None:
    """(module, its arguments) when `argv` reads like ``[-I] -m <allowed module> args...``."""
    args = argv[1:] if argv[:1] == ["-I"] else argv
    if len(args) >= 2 and args[0] == "-m" and args[1] in MODULES:
        return args[1], args[2:]
    return None


def main() -> None:
    call = module_call(sys.argv[1:])
    if call is not None:
        module, args = call
        sys.argv = [sys.argv[0], *args]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return
    from desktop.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
