"""`timeforged doctor`: checks that this install's parts work here (the libraries Qt's X11
plugin needs, text features Qt takes from ICU, the keyring); exit status 1 when one does
not."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from desktop.cli.context import console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check that Qt's X11 libraries, text features and "
                       "the keyring work here")
    p.add_argument("--keyring", action="store_true",
                   help="also store, read back and delete a throwaway secret in the keyring")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop.engine.checks import (
        keyring_backend,
        keyring_round_trip,
        secret_service_transport,
        xcb_libraries,
    )
    from desktop.ui.text_checks import text_checks

    checks = [xcb_libraries(), *text_checks(), keyring_backend(), secret_service_transport()]
    if args.keyring:
        checks.append(keyring_round_trip())
    if args.json:
        print(json.dumps([asdict(c) for c in checks], indent=2, ensure_ascii=False))
    else:
        for check in checks:
            mark = "[green]ok[/]  " if check.ok else "[red]FAIL[/]"
            console.print(f"{mark} {check.name}: {check.detail}", highlight=False)
    return 0 if all(c.ok for c in checks) else 1
