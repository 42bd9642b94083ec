"""The ASGI application for uvicorn (`server.main:app`), configured from the environment."""

import gc

from server import connections
from server.app import create_app
from server.config import load_server_config

config = load_server_config()
app = create_app(config)
connections.header_timeout = config.header_timeout_seconds
# Requests allocate many short-lived objects: with the default thresholds the collector runs
# every 700 allocations and walks the long-lived caches (joiners, interned ids) far too often
# (~20% of bulk ingest's CPU). What exists now lives as long as the process.
gc.freeze()
gc.set_threshold(50_000, 20, 20)
