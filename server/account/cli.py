"""`timeforged-server user set-password NAME`: the password read from the terminal (asked
twice) or, when stdin is not one, its first line; only its scrypt hash is kept."""

from __future__ import annotations

import argparse
import getpass
import sys

from server.db import Database


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("user", help="a user's web sign-in").add_subparsers(
        dest="user_action", metavar="ACTION", required=True)
    p = users.add_parser("set-password", help="set NAME's password (from the prompt or stdin);"
                         " ends their browser sessions")
    p.add_argument("name")


def _read() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def run(db: Database, args: argparse.Namespace) -> int:
    from server.account.passwords import set_password
    from server.models import User

    user = User.get_or_none(User.name == args.name)
    if user is None:
        print(f"error: no user {args.name!r}", file=sys.stderr)
        return 2
    try:
        set_password(db, user, _read())
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"password of {user.name} set")
    return 0
