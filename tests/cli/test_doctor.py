"""`timeforged doctor` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys


def test_doctor_reports_every_check_ok(tf_home):
    env = {"TIMEFORGED_HOME": tf_home, "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "doctor", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {c["name"]: c for c in json.loads(done.stdout)}
    assert set(checks) == {"collation", "legacy codecs", "locale case mapping",
                           "time zone names", "keyring backend", "secret service encryption"}
    assert all(c["ok"] for c in checks.values()), checks
    assert checks["time zone names"]["detail"] == "Central European Standard Time"
