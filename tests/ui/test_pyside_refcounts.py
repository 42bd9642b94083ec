"""PySide6 6.12.0 decremented None's refcount on every call of a void method (Python 3.11,
where None is not immortal): a long-running app died with "deallocating None". Guard it."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QPushButton
app = QApplication([])
class Relay(QObject):
    changed = Signal(object)
relay = Relay()
relay.changed.connect(lambda value: None)
button = QPushButton()
button.setCheckable(True)
before = sys.getrefcount(None), sys.getrefcount(True)
for _ in range(5000):
    button.setChecked(True)
    relay.changed.emit(None)
after = sys.getrefcount(None), sys.getrefcount(True)
print(after[0] - before[0], after[1] - before[1])
"""


def test_qt_calls_keep_refcounts():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    none_drift, true_drift = map(int, done.stdout.split())
    assert abs(none_drift) < 100 and abs(true_drift) < 100
