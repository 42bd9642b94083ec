"""`timeforged-server`: serve (the default), migrate, run the jobs once, and admin commands
(users and keys; a new key is printed once, only its hash is kept)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from server.account import cli as account_cli
from server.config import ENV_PREFIX, ServerConfigError, load_server_config
from server.serve_lock import AlreadyServing, hold


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="timeforged-server",
                                     description="TimeForged's self-hosted sync server.")
    parser.add_argument("--config", help="TOML file (default: $TIMEFORGED_SERVER_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the HTTP server (the default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1,
                       help="processes (PostgreSQL only; SQLite takes one)")
    sub.add_parser("migrate", help="create or upgrade the database schema")
    sub.add_parser("run-jobs", help="run the due scheduled jobs once")
    admin = sub.add_parser("admin", help="users and keys").add_subparsers(
        dest="admin", metavar="ACTION", required=True)
    p = admin.add_parser("create-user", help="add a user")
    p.add_argument("name")
    p.add_argument("--email")
    p.add_argument("--timezone", default="UTC")
    p = admin.add_parser("create-key", help="a new API key for USER (printed once)")
    p.add_argument("user")
    p.add_argument("--label", default="")
    p = admin.add_parser("revoke-key", help="revoke a key by its id")
    p.add_argument("key_id", type=int)
    admin.add_parser("list-users")
    p = admin.add_parser("list-keys")
    p.add_argument("user")
    p = admin.add_parser("set", help="a user's settings: weekly_email, leaderboard, ...")
    p.add_argument("user")
    p.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
    account_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_server_config(args.config)
    except ServerConfigError as exc:
        print(f"error: config: {exc}", file=sys.stderr)
        return 2
    from server.db import Database
    from server.logs import setup_logging

    if args.command in (None, "serve", "migrate"):
        try:
            _hold_serve_lock(config.database)
        except AlreadyServing as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    if args.command in (None, "serve"):
        import uvicorn

        setup_logging(config.log_format, config.log_level)
        host = getattr(args, "host", None) or config.host
        port = getattr(args, "port", None) or config.port
        workers = getattr(args, "workers", 1)
        if workers > 1 and not config.database.startswith("postgres"):
            print("error: several workers need PostgreSQL", file=sys.stderr)
            return 2
        if args.config:  # uvicorn's processes import server.main, which reads the environment
            os.environ[ENV_PREFIX + "CONFIG"] = str(Path(args.config).resolve())
        Database(config.database).migrate()
        uvicorn.run("server.main:app", host=host, port=port, workers=workers,
                    log_config=None, access_log=False, timeout_graceful_shutdown=5,
                    http="server.connections:HttpProtocol",
                    timeout_keep_alive=config.keep_alive_seconds)
        return 0
    db = Database(config.database)
    db.migrate()
    if args.command == "migrate":
        print("schema up to date")
        return 0
    if args.command == "run-jobs":
        from server.history import History
        from server.jobs import Scheduler
        from server.reports import Reports

        history = History(db)
        print(Scheduler(history, config, Reports(history)).run_due())
        return 0
    if args.command == "user":
        return account_cli.run(db, args)
    try:
        code = _admin(db, args)
        sys.stdout.flush()  # a reader gone away (`admin list-users | head`) shows here
        return code
    except BrokenPipeError:
        from desktop.cli import stdout_closed

        return stdout_closed()


def _hold_serve_lock(database: str) -> None:
    """One process serves (or migrates) a SQLite file: refuse before opening it when another
    does. PostgreSQL takes any number of processes."""
    from server.db import sqlite_path

    path = sqlite_path(database)
    if path not in (None, ":memory:"):
        hold(Path(path))


def _admin(db, args: argparse.Namespace) -> int:
    from server import auth
    from server.cluster_bus import announce_revoked
    from server.models import ApiKey, User

    def user_named(name: str) -> User:
        user = User.get_or_none(User.name == name)
        if user is None:
            raise SystemExit(f"error: no user {name!r}")
        return user

    if args.admin == "create-user":
        try:
            user = auth.create_user(db, args.name, args.email, args.timezone)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"user {user.name} (id {user.id}) created")
    elif args.admin == "create-key":
        key = auth.create_key(db, user_named(args.user), args.label)
        print(key)
        print("This key is shown once; only its hash is stored.", file=sys.stderr)
    elif args.admin == "revoke-key":
        with db.db.atomic():  # running servers drop it at once (PostgreSQL)
            if not ApiKey.update(revoked=True, revoked_at=time.time()).where(
                    ApiKey.id == args.key_id).execute():
                print(f"error: no key {args.key_id}", file=sys.stderr)
                return 2
            announce_revoked(db)
        print(f"key {args.key_id} revoked")
    elif args.admin == "list-users":
        for user in User.select().order_by(User.id):
            keys = ApiKey.select().where(ApiKey.user == user.id, ApiKey.revoked == False  # noqa: E712
                                         ).count()
            print(f"{user.id}\t{user.name}\t{user.email or '-'}\t{user.timezone}\t"
                  f"keys={keys}\tweekly_email={user.weekly_email}\t"
                  f"leaderboard={user.leaderboard}")
    elif args.admin == "list-keys":
        for key in ApiKey.select().where(ApiKey.user == user_named(args.user).id):
            print(f"{key.id}\t{key.label or '-'}\t{'revoked' if key.revoked else 'active'}\t"
                  f"last used {key.last_used or 'never'}")
    elif args.admin == "set":
        from fastapi import HTTPException

        from server.web import apply_settings

        body = {}
        for pair in args.pairs:
            key, _, value = pair.partition("=")
            body[key] = {"true": True, "false": False}.get(value.lower(), int(value)
                                                           if value.isdigit() else value)
        try:
            print(apply_settings(user_named(args.user), body))
        except HTTPException as exc:
            print(f"error: {exc.detail}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
