"""Fixtures starting real headless compositors as a normal user (see session.py). A
compositor that cannot start skips its tests with the reason; the summary lists what ran."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.wayland.session import (
    CannotStart,
    Compositor,
    UserSession,
    start_sway,
    start_user_session,
    stop,
)

# compositor -> "ran: <version>" or "skipped: <why>", for the terminal summary
REPORT: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter) -> None:
    if REPORT:
        terminalreporter.section("Wayland compositors")
        for name, what in REPORT.items():
            terminalreporter.write_line(f"{name}: {what}")


@pytest.fixture(scope="session")
def user_session() -> Iterator[UserSession]:
    try:
        session = start_user_session()
    except (CannotStart, OSError, RuntimeError) as exc:
        REPORT["user session"] = f"skipped: {exc}"
        pytest.skip(f"no user session for Wayland compositors: {exc}")
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="session")
def sway(user_session: UserSession) -> Iterator[Compositor]:
    try:
        compositor = start_sway(user_session)
    except CannotStart as exc:
        REPORT["sway"] = f"skipped: {exc}"
        pytest.skip(f"Sway cannot start here: {exc}")
    REPORT["sway"] = f"ran: Sway {compositor.version} (headless, pixman)"
    try:
        yield compositor
    finally:
        stop(compositor.proc)
