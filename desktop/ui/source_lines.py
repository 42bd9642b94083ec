"""PySide6 looks for `from __feature__ import` in each module imported after it by reading the
module's whole source (inspect.getsource), which stays in linecache for good: some 8 MiB of an
idle tray app, for a yes or no. `stop_keeping_sources` has PySide answer from the file itself,
uncached, and empties what it kept so far (a traceback reads the lines it shows anew)."""

from __future__ import annotations

import linecache
import sys
from pathlib import Path
from types import ModuleType


def stop_keeping_sources() -> None:
    """Call once PySide6 is imported, as early as possible (before the app's other imports)."""
    feature = sys.modules.get("shibokensupport.feature")
    check = getattr(feature, "_mod_uses_pyside", None)
    if check is None:  # a PySide6 without this check: nothing kept
        return

    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return check(module)
        try:
            return b"PySide6" in Path(path).read_bytes()
        except OSError:
            return check(module)

    feature._mod_uses_pyside = uses_pyside  # type: ignore[union-attr]
    linecache.clearcache()
