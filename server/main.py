"""The ASGI application for uvicorn (`server.main:app`), configured from the environment."""

import gc

from server.app import create_app
from server.config import load_server_config

app = create_app(load_server_config())
# Requests allocate many short-lived objects: with the default thresholds the collector runs
# every 700 allocations and walks the long-lived caches (joiners, interned ids) far too often
# (~20% of bulk ingest's CPU). What exists now lives as long as the process.
gc.freeze()
gc.set_threshold(50_000, 20, 20)
