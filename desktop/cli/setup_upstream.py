"""`timeforged setup-upstream URL`: forward each heartbeat to one WakaTime-compatible server
(Wakapi, WakaTime, another TimeForged) as well. URL is its API base as wakatime-cli's
`api_url` names it (https://api.wakatime.com/api/v1, https://wakapi.dev/api,
https://timeforged.example.com/api/v1); the key is read from stdin (or asked for) and kept in
the OS keyring. `--off` stops forwarding. The running app picks the change up when restarted.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from desktop.cli.context import CliError
from desktop.engine import paths
from desktop.engine.config import ConfigError, load_config, save_config
from desktop.engine.upstream import check_url, save_upstream_key


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup-upstream", help="forward heartbeats to a WakaTime-compatible "
                       "server too (Wakapi, WakaTime, another TimeForged)", description=__doc__)
    p.add_argument("url", nargs="?", help="the upstream's API base URL")
    p.add_argument("--off", action="store_true", help="stop forwarding")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.off and not args.url:
        raise CliError("give the upstream's URL, or --off")
    if args.url and (problem := check_url(args.url)):
        raise CliError(problem)
    home = paths.home()
    path = paths.config_file(home)
    try:
        config = load_config(path)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    if args.off:
        config.upstream.url = None
        save_config(config, path)
        print("Forwarding is off (heartbeats still queued stay until it is on again).")
        return 0
    if sys.stdin.isatty():
        key = getpass.getpass(f"API key for {args.url}: ")
    else:
        key = sys.stdin.readline()
    key = key.strip()
    if not key:
        raise CliError("no API key given")
    warning = save_upstream_key(home, args.url, key)
    config.upstream.url = args.url
    save_config(config, path)
    if warning:
        print(warning)
    print(f"Each new heartbeat is forwarded to {args.url} (restart the app to start). "
          "`timeforged status` shows what is queued.")
    return 0
