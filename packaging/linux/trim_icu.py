"""Rebuild the ICU data library that the PySide6 wheel ships (libicudata.so.NN, 32 MB) with
only the data Qt can reach, for the Linux bundle.

    python packaging/linux/trim_icu.py <libicudata.so.NN> <output .so> [--list removed.txt]

Qt 6 calls ICU for four things only (the ICU symbols libQt6Core imports): legacy text codecs
(QStringConverter/QStringDecoder, ucnv_*), locale-aware comparison (QCollator,
QString::localeAwareCompare, the file dialog's sorting: ucol_*), locale-specific case mapping
(QLocale::toUpper/toLower: u_strToUpper/Lower, whose data is compiled into libicuuc) and time
zone display names (QTimeZone::displayName: ucal_*). Dates, numbers and language names come
from Qt's own CLDR tables, and text layout uses Qt's own break iterators and HarfBuzz.

Kept: the converter alias table and the converters of the WHATWG Encoding Standard's legacy
encodings (what browsers decode), every collation tailoring, the time zone tables, English and
root time zone names, root and English locale data, and the supplemental tables those read
(likely subtags, week data, numbering systems, metazones). Everything else goes: break
iterators and dictionaries, transliteration, currency/unit/language/region display names,
spell-out rules, other languages' locale and time zone names, StringPrep, IDNA, spoof checks,
character names and the EBCDIC/DOS/CJK-vendor converters.

Standard ICU tools do the work (Debian/Ubuntu package icu-devtools): the data is the library's
`icudtNN_dat` symbol, an ICU .dat package; `icupkg` removes items (and refuses to leave an item
whose dependency was removed); `genccode` turns the package back into assembly that `gcc`
links into a library with the same SONAME and symbol, so PySide6's libicuuc loads it as is.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The ICU converters behind the WHATWG Encoding Standard's legacy encodings, by label.
# (ICU has no ISO-8859-16; "x-user-defined" is not a table.)
CONVERTERS = {
    "ibm-866_P100-1995",            # IBM866
    "ibm-912_P100-1995",            # ISO-8859-2
    "ibm-913_P100-2000",            # ISO-8859-3
    "ibm-914_P100-1995",            # ISO-8859-4
    "ibm-915_P100-1995",            # ISO-8859-5
    "ibm-1089_P100-1995",           # ISO-8859-6
    "ibm-9005_X110-2007",           # ISO-8859-7
    "ibm-5012_P100-1999",           # ISO-8859-8, ISO-8859-8-I
    "iso-8859_10-1998",             # ISO-8859-10
    "iso-8859_11-2001",             # ISO-8859-11 (= windows-874 without its extensions)
    "ibm-921_P100-1995",            # ISO-8859-13
    "iso-8859_14-1998",             # ISO-8859-14
    "ibm-923_P100-1998",            # ISO-8859-15
    "ibm-878_P100-1996",            # KOI8-R
    "ibm-1168_P100-2002",           # KOI8-U
    "macos-0_2-10.2",               # macintosh
    "macos-7_3-10.2",               # x-mac-cyrillic
    "windows-874-2000",             # windows-874
    "ibm-5346_P100-1998",           # windows-1250
    "ibm-5347_P100-1998",           # windows-1251
    "ibm-5348_P100-1997",           # windows-1252
    "ibm-5349_P100-1998",           # windows-1253
    "ibm-5350_P100-1998",           # windows-1254
    "ibm-9447_P100-2002",           # windows-1255
    "ibm-9448_X100-2005",           # windows-1256
    "ibm-9449_P100-2002",           # windows-1257
    "ibm-5354_P100-1998",           # windows-1258
    "windows-936-2000",             # GBK
    "ibm-1386_P100-2001",           # its base table
    "ibm-1383_P110-1999",           # GB2312
    "gb18030",                      # gb18030
    "windows-950-2000",             # Big5
    "ibm-1373_P100-2002",           # its base table
    "ibm-1375_P100-2008",           # Big5-HKSCS
    "euc-jp-2007",                  # EUC-JP
    "ibm-943_P15A-2003",            # Shift_JIS, windows-31j
    "jisx-212",                     # ISO-2022-JP (with the two above)
    "ibm-970_P110_P110-2006_U2",    # EUC-KR
    "windows-949-2000",             # windows-949 (what the standard decodes as EUC-KR)
    "ibm-1363_P11B-1998",           # its base table
}

# Top-level data that the kept services read: locale fallback and likely subtags, week data
# (ucal_open), time zone rules, canonical IDs and metazones, numbering systems (the digits of
# "GMT+01:00"), locale keywords and aliases.
SUPPLEMENTAL = {"pool.res", "res_index.res", "root.res", "supplementalData.res",
                "likelySubtags.res", "langInfo.res", "metadata.res", "keyTypeData.res",
                "numberingSystems.res", "zoneinfo64.res", "timezoneTypes.res",
                "metaZones.res", "windowsZones.res", "icuver.res", "icustd.res"}
ENGLISH = re.compile(r"^en(_\w+)?\.res$")


def keep(item: str) -> bool:
    """Whether a package item (a path below the package's name, e.g. "coll/de.res") stays."""
    tree, _, name = item.rpartition("/")
    if tree == "coll":
        return True
    if tree == "zone":
        return name in {"pool.res", "res_index.res", "root.res", "tzdbNames.res"} or bool(
            ENGLISH.match(name))
    if tree:
        return False
    if name.endswith(".cnv"):
        return name[:-4] in CONVERTERS
    return name == "cnvalias.icu" or name in SUPPLEMENTAL or bool(ENGLISH.match(name))


def run(*args: str | Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"trim_icu: {args[0]} failed:\n{done.stdout}{done.stderr}")
    return done


def extract(lib: Path, symbol: str, dest: Path) -> None:
    """The bytes of a data symbol of a shared library (its ICU .dat package)."""
    sym = run("nm", "-D", "--defined-only", "-S", lib).stdout
    match = re.search(rf"^([0-9a-f]+) ([0-9a-f]+) [RDB] {symbol}$", sym, re.M)
    if not match:
        raise SystemExit(f"trim_icu: {lib} has no {symbol}")
    address, size = int(match[1], 16), int(match[2], 16)
    with open(lib, "rb") as elf:  # the file offset of that address: its PT_LOAD segment's
        headers = run("readelf", "-lW", lib).stdout
        for line in headers.splitlines():
            fields = line.split()
            if fields[:1] == ["LOAD"]:
                offset, vaddr, filesz = (int(fields[i], 16) for i in (1, 2, 4))
                if vaddr <= address < vaddr + filesz:
                    elf.seek(offset + address - vaddr)
                    dest.write_bytes(elf.read(size))
                    return
    raise SystemExit(f"trim_icu: {symbol} of {lib} lies in no loaded segment")


def trim(lib: Path, out: Path, removed_list: Path | None = None) -> tuple[int, int]:
    """Write the trimmed library to `out`; the package's size before and after."""
    for tool in ("icupkg", "genccode", "gcc", "nm", "readelf"):
        if shutil.which(tool) is None:
            raise SystemExit(f"trim_icu: {tool} is missing (apt-get install icu-devtools gcc)")
    version = re.fullmatch(r"libicudata\.so\.(\d+)", lib.name)
    if not version:
        raise SystemExit(f"trim_icu: {lib.name} is not libicudata.so.<version>")
    entry = f"icudt{version[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        full, small = work / f"{entry}l.dat", work / "small" / f"{entry}l.dat"
        small.parent.mkdir()
        extract(lib, f"{entry}_dat", full)
        items = run("icupkg", "-l", full).stdout.split()
        gone = [item for item in items if not keep(item)]
        (work / "remove.txt").write_text("\n".join(gone) + "\n")
        run("icupkg", "-r", work / "remove.txt", full, small)
        run("genccode", "-e", entry, "-a", "gcc", "-d", work, small)
        assembly = next(work.glob("*.S"))
        run("gcc", "-shared", "-nostdlib", f"-Wl,-soname,{lib.name}", "-Wl,-z,noexecstack",
            "-o", out, assembly)
        if removed_list:
            removed_list.write_text("\n".join(sorted(gone)) + "\n")
        return full.stat().st_size, small.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("library", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--list", type=Path, help="write the removed items to this file")
    args = parser.parse_args()
    before, after = trim(args.library, args.output, args.list)
    print(f"trim_icu: ICU data {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB "
          f"({args.output.stat().st_size / 1e6:.1f} MB library)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
