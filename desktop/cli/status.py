"""`timeforged status`: what is being tracked now and today's total."""

from __future__ import annotations

import argparse
import json
import time

from desktop.cli.ansi import styled
from desktop.cli.context import Context, open_context
from desktop.cli.timerange import period_range
from desktop.engine.formatting import format_duration
from desktop.engine.store.upstream_queue import StoreQueue


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="what is tracked now, and today's total")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = open_context(read_only=True)
    try:
        now = time.time()
        start, end = period_range("today", ctx.config.zone())
        today = ctx.analytics.summary(start, end, by="project")
        # A span written within the last flush interval (plus slack) is still being tracked.
        fresh = now - ctx.config.tracking.flush_interval - 5
        recent = [s for s in ctx.store.spans(now - 3600, now + 1) if s.end >= fresh]
        queued = StoreQueue(ctx.store).count()
        current = max(recent, key=lambda s: s.end) if recent else None
    finally:
        ctx.close()
    problem, upstream = _engine_problem(ctx)
    if ctx.config.upstream.url and upstream is None:  # the app is not running: what is queued
        upstream = {"queued": queued, "last_error": None}
    if args.json:
        print(json.dumps({
            "tracking": current is not None,
            "store_error": problem,
            "upstream": upstream,
            "current": None if current is None else {
                "app": current.app, "title": current.title, "project": current.project,
                "file": current.file, "site": current.site, "since": current.start},
            "today_seconds": round(today.total_seconds, 3),
            "top_projects": [{"name": i.name, "total_seconds": round(i.seconds, 3)}
                             for i in today.items[:5]],
        }, indent=2))
        return 0
    if problem:
        print(f"{styled('Not saving:', 'bold', 'red')} {problem}")
    if current is None:
        print(f"{styled('Nothing is being tracked right now', 'dim')} (is the app or "
              "`timeforged track` running?)")
    else:
        what = current.project or current.site or current.app or "unknown"
        print(f"{styled('Tracking', 'bold', 'green')} {what}: {current.title or ''}")
    print(f"Today: {styled(format_duration(today.total_seconds), 'bold')}")
    for item in today.items[:5]:
        print(f"  {item.name:<30} {format_duration(item.seconds):>10}")
    if upstream is not None:
        print(f"Upstream {ctx.config.upstream.url}: {upstream['queued']} queued"
              + (f", last error: {upstream['last_error']}" if upstream["last_error"] else ""))
    return 0


def _engine_problem(ctx: Context) -> tuple[str | None, dict | None]:
    """Why the running engine cannot save right now (disk full...), if it runs and says so;
    and its forwarding's status (None: not forwarding, or not running)."""
    from desktop.engine.api.probe import listening

    if not listening(ctx.config.api.port, timeout=2):
        return None, None
    from desktop.engine.api.client import ApiClient, ApiClientError, ApiUnavailable
    from desktop.engine.api.security import load_or_create_key

    try:
        client = ApiClient(ctx.config.api.port, load_or_create_key(ctx.home), timeout=2)
        answer = client.get("/api/v1/engine/status")
    except (ApiUnavailable, ApiClientError, OSError):
        return None, None
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        return None, None
    return data.get("store_error"), data.get("upstream")
