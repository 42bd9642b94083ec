"""Browser enterprise policies that turn DNS-over-HTTPS off, so the hosts file applies.

Browsers with DoH on resolve names themselves and never read the hosts file. These policy
files switch it off machine-wide (and show "managed by your organization" in the browser).
`write` and `remove` only create, change or delete the files listed here, under `root`.
Standard library only (the privileged helper calls it). Windows and macOS: packaging/.
"""

from __future__ import annotations

import json
from pathlib import Path

POLICY_NAME = "timeforged-doh.json"
CHROMIUM_POLICY = {"DnsOverHttpsMode": "off"}
FIREFOX_POLICY = {"Enabled": False, "Locked": True}

# Chromium-family managed-policy folders on Linux: each reads every *.json in it.
CHROMIUM_DIRS = (
    "etc/opt/chrome/policies/managed",      # Google Chrome
    "etc/chromium/policies/managed",        # Chromium (Debian, Arch, Fedora)
    "etc/chromium-browser/policies/managed",  # Chromium (older Ubuntu)
    "etc/opt/edge/policies/managed",        # Microsoft Edge
    "etc/brave/policies/managed",           # Brave
)
FIREFOX_FILE = "etc/firefox/policies/policies.json"


def chromium_files(root: Path) -> list[Path]:
    return [root / d / POLICY_NAME for d in CHROMIUM_DIRS]


def write(root: Path) -> list[Path]:
    """Write the policies under `root` ("/" for real); returns the files changed."""
    changed = []
    body = json.dumps(CHROMIUM_POLICY, indent=2) + "\n"
    for path in chromium_files(root):
        if path.exists() and path.read_text() == body:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        path.chmod(0o644)
        changed.append(path)
    firefox = root / FIREFOX_FILE
    data = _read_json(firefox)
    if data.get("policies", {}).get("DNSOverHTTPS") != FIREFOX_POLICY:
        data.setdefault("policies", {})["DNSOverHTTPS"] = FIREFOX_POLICY
        firefox.parent.mkdir(parents=True, exist_ok=True)
        firefox.write_text(json.dumps(data, indent=2) + "\n")
        firefox.chmod(0o644)
        changed.append(firefox)
    return changed


def remove(root: Path) -> list[Path]:
    """Undo `write`: delete our Chromium files, and our entry from Firefox's policies.json
    (the user's other Firefox policies stay)."""
    changed = []
    for path in chromium_files(root):
        if path.exists():
            path.unlink()
            changed.append(path)
    firefox = root / FIREFOX_FILE
    data = _read_json(firefox)
    if data.get("policies", {}).get("DNSOverHTTPS") == FIREFOX_POLICY:
        del data["policies"]["DNSOverHTTPS"]
        if data["policies"] or len(data) > 1:
            firefox.write_text(json.dumps(data, indent=2) + "\n")
        else:
            firefox.unlink()
        changed.append(firefox)
    return changed


def _read_json(path: Path) -> dict:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("policies", {}), dict):
        raise ValueError(f"{path} is not a Firefox policies file")
    return data
