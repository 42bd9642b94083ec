#!/usr/bin/env python3
"""Pack the extension as a zip for Chrome/Chromium/Edge/Brave and Firefox: dist/*.zip.

    python extension/pack.py            # for loading/installing by hand (keeps our fixed id)
    python extension/pack.py --store    # for the web stores, which assign ids themselves
"""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = ("manifest.json", "background.js", "options.html", "options.js", "blocked.html",
         "blocked.js", "page.css", "icons/icon16.png", "icons/icon48.png", "icons/icon128.png")


def pack(out_dir: Path, store: bool = False) -> Path:
    manifest = json.loads((HERE / "manifest.json").read_text())
    if store:
        manifest.pop("key", None)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "-store" if store else ""
    target = out_dir / f"timeforged-extension-{manifest['version']}{suffix}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in FILES:
            if name == "manifest.json":
                zf.writestr(name, json.dumps(manifest, indent=2) + "\n")
            else:
                zf.write(HERE / name, name)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", action="store_true", help="leave out the manifest key")
    parser.add_argument("--out", type=Path, default=HERE / "dist")
    args = parser.parse_args()
    print(pack(args.out, args.store))


if __name__ == "__main__":
    main()
