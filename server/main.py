"""The ASGI application for uvicorn (`server.main:app`), configured from the environment."""

from server.app import create_app
from server.config import load_server_config

app = create_app(load_server_config())
