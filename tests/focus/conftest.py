"""Qt tests here run on the private Xvfb (the same QApplication as tests/ui when run together)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def qapp(x_session, qapp_args):
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(qapp_args)
    app.setQuitOnLastWindowClosed(False)
    yield app
