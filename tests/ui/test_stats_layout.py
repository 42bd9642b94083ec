"""The statistics window fits the screen: on real Xvfb screens of 1024x600, 1366x768 and
1920x1080, at scale factors 1, 1.5 and 2, light and dark, every toolbar
control and card lies inside the screen, nothing is clipped, and resizing to each size keeps
it so. A screenshot of the whole screen is written to screenshots/ for each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.ui.stats_window import THREE_COLUMNS_FROM, TWO_COLUMNS_FROM
from tests.ui.seed import known_spans, seed_home, todays_spans
from tests.xsession import start_session

pytestmark = pytest.mark.x11

OUT = Path(__file__).resolve().parents[2] / "screenshots"
SIZES = [(1024, 600), (1366, 768), (1920, 1080)]


def columns_for(width: int) -> int:
    return 3 if width >= THREE_COLUMNS_FROM else 2 if width >= TWO_COLUMNS_FROM else 1


def inside(rect: list[int], area: list[int]) -> bool:
    x, y, w, h = rect
    ax, ay, aw, ah = area
    return ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah


def check(view: dict, screen: list[int]) -> None:
    """Everything of one measured view is on the screen and unclipped."""
    assert inside(view["frame"], screen), f"window frame {view['frame']} off screen {screen}"
    window = view["window"]
    for name, rect in view["toolbar"].items():
        assert inside(rect, screen), f"{name} {rect} off screen"
        assert inside(rect, window), f"{name} {rect} outside the window {window}"
        assert rect[2] > 0 and rect[3] > 0, f"{name} has no room"
    viewport = view["viewport"]
    assert inside(viewport, window)
    assert view["horizontal_scroll"] == 0 and view["body_width"] <= viewport[2]
    for title, rect in view["cards"].items():
        # Cards scroll vertically; each lies within the width, and inside the screen once
        # scrolled to (wholly when it is not taller than the view).
        x, y, w, h = rect
        assert viewport[0] <= x and x + w <= viewport[0] + viewport[2], f"{title} {rect}"
        assert inside([x, y, w, min(h, viewport[3])], screen), f"{title} {rect} off screen"
    assert view["clipped_labels"] == []


def probe(size: tuple[int, int], scale: str, scheme: str, tmp_path: Path,
          resize_to: list[tuple[int, int]]) -> tuple[dict, Path]:
    width, height = size
    home = seed_home(tmp_path / "home", known_spans() + todays_spans())
    OUT.mkdir(exist_ok=True)
    shot = OUT / f"stats-{width}x{height}-x{scale}-{scheme}.png"
    session = start_session(width, height)
    try:
        env = {**session.env, "QT_SCALE_FACTOR": scale, "QT_QPA_PLATFORM": "xcb"}
        env.pop("QT_SCREEN_SCALE_FACTORS", None)
        done = subprocess.run(
            [sys.executable, "-m", "tests.ui.stats_layout_probe", str(home), scheme, str(shot),
             *(f"{w}x{h}" for w, h in resize_to)],
            env=env, capture_output=True, text=True, timeout=180,
            cwd=Path(__file__).resolve().parents[2])
    finally:
        session.close()
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), shot


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("scale", ["1", "1.5", "2"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_fits_the_screen(size, scale, scheme, tmp_path):
    result, shot = probe(size, scale, scheme, tmp_path, [])
    factor = float(scale)
    assert result["screen"][2:] == [round(size[0] / factor), round(size[1] / factor)]
    check(result["opened"], result["screen"])
    # Narrower windows get fewer card columns.
    assert result["opened"]["columns"] == columns_for(result["opened"]["viewport"][2])
    if size == (1024, 600) and scale == "2":
        assert result["opened"]["columns"] == 1
    if size == (1920, 1080) and scale == "1":
        assert result["opened"]["columns"] == 3
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("scale", ["1", "1.5", "2"])
def test_resizing_to_each_size_clips_nothing(scale, tmp_path):
    """On the big screen, the window resized to each size (and to a half-screen tile and a
    small window)."""
    small = [(640, 480)] if scale != "2" else []  # below 1024x600 at scale 2: not asked
    result, _ = probe((1920, 1080), scale, "light", tmp_path, [*SIZES, (960, 1080), *small])
    factor = float(scale)
    for name, view in result["resized"].items():
        width = int(name.split("x")[0])
        check(view, result["screen"])
        assert view["columns"] == columns_for(view["viewport"][2]), name
        window = view["window"]
        assert window[2] <= width / factor - 19, name
        assert view["minimum"][0] <= 1024 / 2, name  # min width: half a small laptop
    widths = [view["columns"] for view in result["resized"].values()]
    assert max(widths) > min(widths) or factor == 2  # the cards reflowed


def test_screenshots_are_kept_for_the_docs():
    """docs/screenshots holds a light and a dark shot of each size (made by the tests above,
    copied by hand after looking at them)."""
    docs = Path(__file__).resolve().parents[2] / "docs"
    text = (docs / "app.md").read_text(encoding="utf-8")
    for width, height in SIZES:
        for scheme in ("light", "dark"):
            name = f"screenshots/stats-{width}x{height}-x1-{scheme}.png"
            assert (docs / name).is_file(), name
            assert name in text, name
