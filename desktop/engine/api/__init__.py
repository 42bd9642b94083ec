"""The local HTTP API (WakaTime-compatible heartbeats, the browser extension, control).

The server is `server.ApiServer`, routes are added with `routes.route`; `client.ApiClient` is
what the command line talks to it with. Nothing is imported here, so that the client does not
load the server."""
