"""packaging/linux/trim_icu.py on the installed PySide6's ICU data library: the rebuilt library
is small, and Qt's ICU-backed text features work with it (the frozen bundle is checked the same
way by tests/packaging/test_bundle.py through `timeforged doctor`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest

ROOT = Path(__file__).resolve().parents[2]
QT_LIB = Path(PySide6.__file__).parent / "Qt" / "lib"
CHECK = """
import json
from desktop.ui.text_checks import text_checks
maps = open("/proc/self/maps").read().split()
print(json.dumps({"icu": sorted({p for p in maps if "libicudata" in p}),
                  "checks": [c.__dict__ for c in text_checks()]}))
"""

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("icupkg") is None
    or not list(QT_LIB.glob("libicudata.so.*")),
    reason="Linux with icu-devtools (scripts/setup.sh --test) and a PySide6 that ships ICU")


def test_trimmed_icu_keeps_what_qt_uses(tmp_path):
    original = next(QT_LIB.glob("libicudata.so.*"))
    trimmed = tmp_path / original.name
    removed = tmp_path / "removed.txt"
    done = subprocess.run([sys.executable, str(ROOT / "packaging/linux/trim_icu.py"),
                           str(original), str(trimmed), "--list", str(removed)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert trimmed.stat().st_size < 8e6 < original.stat().st_size
    gone = removed.read_text().split()
    for item in ("brkitr/cjdict.dict", "translit/root.res", "curr/de.res", "zone/de.res",
                 "ibm-37_P100-1995.cnv"):
        assert item in gone
    for item in ("coll/de.res", "coll/zh.res", "zone/en.res", "ibm-943_P15A-2003.cnv"):
        assert item not in gone
    soname = subprocess.run(["readelf", "-d", str(trimmed)], capture_output=True, text=True,
                            check=True).stdout
    assert f"[{original.name}]" in soname

    # PySide6's own libicuuc finds its data library through LD_LIBRARY_PATH before its RUNPATH.
    run = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True,
                         text=True, timeout=120,
                         env={"LD_LIBRARY_PATH": str(tmp_path), "PATH": "/usr/bin:/bin",
                              "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["icu"] == [str(trimmed)]
    assert all(c["ok"] for c in result["checks"]), result["checks"]
