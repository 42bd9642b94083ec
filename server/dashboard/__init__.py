"""The signed-in user's dashboard on the server: ranges, filters and server-rendered SVG
charts of every machine's time (queries, charts, pages, routes)."""

from server.dashboard.routes import dashboard_routes

__all__ = ["dashboard_routes"]
