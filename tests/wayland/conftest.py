"""Fixtures starting real headless compositors as a normal user (see session.py). A
compositor that cannot start skips its tests with the reason; the summary lists what ran."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable, Iterator

import pytest

from tests.wayland.session import (
    CannotStart,
    Compositor,
    UserSession,
    start_cage,
    start_gnome_shell,
    start_kwin,
    start_sway,
    start_user_session,
    start_wayfire,
    start_weston,
)

# compositor -> "ran: <version>" or "skipped: <why>", for the terminal summary
REPORT: dict[str, str] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A compositor in software rendering on a busy machine is slow: its tests wait longer
    (each wait ends as soon as what it waits for is there)."""
    for item in items:
        if "tests/wayland/" in item.nodeid and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(300))


def pytest_terminal_summary(terminalreporter) -> None:
    if REPORT:
        terminalreporter.section("Wayland compositors")
        for name, what in REPORT.items():
            terminalreporter.write_line(f"{name}: {what}")


@contextlib.contextmanager
def compositor(name: str, start: Callable[[UserSession], Compositor],
               how: str) -> Iterator[Compositor]:
    """A compositor in a user session of its own (its own bus: single-instance apps such as
    Mousepad would otherwise hand their files to an instance on another compositor)."""
    try:
        session = start_user_session()
    except (CannotStart, OSError, subprocess.CalledProcessError) as exc:
        REPORT[name] = f"skipped: no user session: {exc}"
        pytest.skip(f"no user session for {name}: {exc}")
    try:
        try:
            running = start(session)
        except CannotStart as exc:
            REPORT[name] = f"skipped: {exc}"
            pytest.skip(f"{name} cannot start here: {exc}")
        REPORT[name] = f"ran: {name} {running.version} ({how})"
        yield running
    finally:
        session.close()


@pytest.fixture(scope="session")
def sway() -> Iterator[Compositor]:
    with compositor("Sway", start_sway, "headless, pixman") as running:
        yield running


@pytest.fixture(scope="session")
def kwin() -> Iterator[Compositor]:
    with compositor("KWin", start_kwin, "--virtual, QPainter") as running:
        yield running


@pytest.fixture(scope="session")
def weston() -> Iterator[Compositor]:
    with compositor("weston", start_weston, "headless") as running:
        yield running


@pytest.fixture(scope="session")
def gnome() -> Iterator[Compositor]:
    with compositor("GNOME Shell", start_gnome_shell, "--headless, virtual monitor") as running:
        yield running


@pytest.fixture(scope="session")
def cage() -> Iterator[Compositor]:
    with compositor("cage", start_cage, "headless, pixman") as running:
        yield running


@pytest.fixture(scope="session")
def wayfire() -> Iterator[Compositor]:
    with compositor("Wayfire", start_wayfire, "headless") as running:
        yield running
