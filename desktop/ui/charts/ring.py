"""A progress ring for the daily goal."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class ProgressRing(QWidget):
    def __init__(self, color: str = "#4c9be8", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = QColor(color)
        self.fraction = 0.0
        self.text = ""
        self.setMinimumSize(110, 110)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(120, 120)

    def set_progress(self, fraction: float, text: str) -> None:
        self.fraction = max(0.0, fraction)
        self.text = text
        self.setToolTip(f"{min(self.fraction, 9.99) * 100:.0f}% of the daily goal")
        self.update()

    def paintEvent(self, _event) -> None:
        side = min(self.width(), self.height()) - 12
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QColor(self.palette().color(self.palette().ColorRole.Mid))
        p.setPen(QPen(track, 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawArc(rect, 0, 360 * 16)
        done = QColor("#2e9d5b") if self.fraction >= 1 else self.color
        p.setPen(QPen(done, 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        span = int(-min(self.fraction, 1.0) * 360 * 16)
        if span:
            p.drawArc(rect, 90 * 16, span)
        p.setPen(self.palette().color(self.palette().ColorRole.WindowText))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        p.setFont(font)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)
        p.end()
