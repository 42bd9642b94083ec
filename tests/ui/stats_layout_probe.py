"""Open the statistics window in a process of its own (so QT_SCALE_FACTOR applies) on the
current DISPLAY, wait until it is drawn, and print what lies where as JSON; save a
screenshot of the whole screen.

    python -m tests.ui.stats_layout_probe HOME SCHEME SCREENSHOT.png [--range=KIND]
        [WIDTHxHEIGHT ...]

With a range (last30, year...), the window shows it; with sizes, the window is also resized
to each (fitted into the screen) and measured again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, QRect, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from desktop.engine.service import Engine
from desktop.ui.stats_window import ElidedLabel, StatsWindow
from desktop.ui.theme import Theme
from tests.ui.seed import TODAY


def rect(widget: QWidget) -> list[int]:
    """The widget's rectangle in global (logical) coordinates."""
    top_left = widget.mapToGlobal(QPoint(0, 0))
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def wait(app: QApplication, ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def settle(app: QApplication, win: StatsWindow) -> None:
    """Until the window manager has placed the window and the layouts stopped moving."""
    last = None
    for _ in range(100):
        wait(app, 50)
        now = (win.frameGeometry().getRect(), win.geometry().getRect(),
               tuple(tuple(rect(c)) for c in win.cards))
        if now == last and win.isVisible():
            return
        last = now


def measure(win: StatsWindow) -> dict:
    """Toolbar controls, cards and clipped labels, in logical pixels."""
    viewport = win.scroll.viewport()
    clipped = []
    for label in win.findChildren(QLabel):
        if (label.isVisibleTo(win) and not isinstance(label, ElidedLabel)
                and not label.wordWrap() and label.text()
                and label.width() < label.minimumSizeHint().width()):
            clipped.append(label.text())
    cards = {}
    for card in win.cards:
        win.scroll.ensureWidgetVisible(card, 0, 0)
        QApplication.processEvents()
        cards[card.title.text()] = rect(card)
    win.scroll.verticalScrollBar().setValue(0)
    QApplication.processEvents()
    return {
        "window": list(win.geometry().getRect()),
        "frame": list(win.frameGeometry().getRect()),
        "minimum": [win.minimumSizeHint().width(), win.minimumSizeHint().height()],
        "viewport": rect(viewport),
        "columns": win.columns,
        "toolbar": {f"{type(w).__name__}:{getattr(w, 'text', lambda: '')() or w.objectName()}"
                    f"#{i}": rect(w) for i, w in enumerate(win.toolbar_controls())},
        "cards": cards,
        "clipped_labels": clipped,
        "horizontal_scroll": win.scroll.horizontalScrollBar().maximum(),
        "body_width": win.body.width(),
    }


def main() -> int:
    home, scheme, shot = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    kind = next((a.split("=", 1)[1] for a in sys.argv[4:] if a.startswith("--range=")), None)
    sizes = [tuple(map(int, a.split("x"))) for a in sys.argv[4:] if not a.startswith("--")]
    app = QApplication(["timeforged-probe"])
    theme = Theme(app, scheme)
    engine = Engine(home)
    win = StatsWindow(engine, None, theme, today=TODAY)
    done = []
    win.loaded.connect(done.append)
    win.show()
    for _ in range(400):
        if done:
            break
        wait(app, 50)
    if kind is not None:
        done.clear()
        win.set_range(kind)
        for _ in range(400):
            if done:
                break
            wait(app, 50)
    settle(app, win)
    screen = win.screen()
    out = {"screen": list(screen.geometry().getRect()),
           "available": list(screen.availableGeometry().getRect()),
           "scale": screen.devicePixelRatio(), "opened": measure(win), "resized": {}}
    assert screen.grabWindow(0).save(str(shot))
    for size in sizes:
        width, height = size
        area = screen.availableGeometry()
        # Sizes are in device pixels, as a screen's; the window's inside leaves room for the
        # frame (title bar 20 px).
        ratio = screen.devicePixelRatio()
        width, height = round(width / ratio), round(height / ratio)
        target = QRect(area.x() + 10, area.y() + 30, min(width, area.width()) - 20,
                       min(height, area.height()) - 40)
        win.setGeometry(target)
        settle(app, win)
        out["resized"]["{}x{}".format(*size)] = measure(win)
    win.close()
    engine.store.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
