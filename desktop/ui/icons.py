"""Tray and window icons, drawn with QPainter so they stay crisp at any DPI."""

from __future__ import annotations

import math
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

STATES = ("tracking", "idle", "paused", "stopped", "focus", "break")
STATE_COLORS = {
    "tracking": "#2e9d5b",
    "idle": "#8a8f98",
    "stopped": "#8a8f98",
    "paused": "#e0a100",
    "focus": "#8e5cf0",
    "break": "#1e88e5",
}
SIZES = (16, 22, 24, 32, 48, 64, 128)


def _draw(painter: QPainter, size: int, state: str) -> None:
    color = QColor(STATE_COLORS.get(state, STATE_COLORS["idle"]))
    s = float(size)
    pad = s * 0.06
    face = QRectF(pad, pad, s - 2 * pad, s - 2 * pad)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawEllipse(face)
    c = face.center()
    r = face.width() / 2
    white = QColor("#ffffff")
    pen = QPen(white, max(1.5, s * 0.11), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if state == "paused":
        dx = r * 0.28
        for x in (c.x() - dx, c.x() + dx):
            painter.drawLine(QPointF(x, c.y() - r * 0.4), QPointF(x, c.y() + r * 0.4))
    elif state == "focus":
        painter.drawEllipse(c, r * 0.5, r * 0.5)
        painter.setBrush(white)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(c, r * 0.16, r * 0.16)
    elif state == "break":
        # A cup: body and handle.
        body = QPainterPath()
        body.moveTo(c.x() - r * 0.45, c.y() - r * 0.25)
        body.lineTo(c.x() + r * 0.25, c.y() - r * 0.25)
        body.lineTo(c.x() + r * 0.15, c.y() + r * 0.4)
        body.lineTo(c.x() - r * 0.35, c.y() + r * 0.4)
        body.closeSubpath()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(white)
        painter.drawPath(body)
        painter.setPen(QPen(white, max(1.0, s * 0.08)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(c.x() + r * 0.33, c.y()), r * 0.16, r * 0.16)
    else:
        # Clock hands; idle/stopped get a dimmed face and no second hand.
        painter.drawLine(c, QPointF(c.x(), c.y() - r * 0.55))
        angle = math.radians(-30 if state == "tracking" else 60)
        painter.drawLine(c, QPointF(c.x() + math.cos(angle) * r * 0.45,
                                    c.y() + math.sin(angle) * r * 0.45))


def _pixmap(size: int, state: str) -> QPixmap:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _draw(painter, size, state)
    painter.end()
    return pix


@cache
def state_icon(state: str) -> QIcon:
    """The icon for an engine/habit state; unknown states look idle."""
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(_pixmap(size, state))
    return icon


def app_icon() -> QIcon:
    return state_icon("tracking")
