"""The local HTTP API (WakaTime-compatible heartbeats, the browser extension, control)."""

from desktop.engine.api.routes import ApiError, Request, Response, route
from desktop.engine.api.server import DEFAULT_PORT, ApiServer

__all__ = ["DEFAULT_PORT", "ApiError", "ApiServer", "Request", "Response", "route"]
