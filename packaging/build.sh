#!/usr/bin/env bash
# Builds TimeForged's installer for the OS this runs on (Windows: packaging/build.ps1).
#   Linux: dist/timeforged/ (one-folder bundle), dist/timeforged-<v>-linux-<arch>.tar.xz,
#          dist/timeforged_<v>_<debarch>.deb
#   macOS: dist/TimeForged.app and dist/TimeForged-<v>.dmg (signed and notarized when the
#          variables in packaging/macos/sign-and-dmg.sh are set)
# Options: --bundle-only (just the PyInstaller folder). Environment: PYTHON (default .venv's),
# DIST_DIR (default dist), WORK_DIR (default build/pyinstaller), XZ_LEVEL (0-9, default 6;
# the tests use 0 for speed).
# Needs the packaging extra: pip install -e ".[packaging]"; on Linux also icu-devtools, gcc and
# binutils (the spec rebuilds Qt's ICU data library with packaging/linux/trim_icu.py).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py=${PYTHON:-$root/.venv/bin/python}
[ -x "$py" ] || py=python3
dist=${DIST_DIR:-$root/dist}
work=${WORK_DIR:-$root/build/pyinstaller}
xz_level=${XZ_LEVEL:-6}
bundle_only=0
[ "${1:-}" = "--bundle-only" ] && bundle_only=1

version=$("$py" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
echo "build: TimeForged $version on $(uname -s) $(uname -m)"
mkdir -p "$dist"
# The bundle never needs a display to build (the input backends are hidden imports).
env -u DISPLAY -u WAYLAND_DISPLAY "$py" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$dist" --workpath "$work" packaging/timeforged.spec
[ "$bundle_only" = 1 ] && exit 0

linux_tarball() {
    local arch name stage
    arch=$(uname -m)
    name="timeforged-$version-linux-$arch"
    stage="$work/stage/$name"
    rm -rf "$work/stage" && mkdir -p "$stage/share/applications" "$stage/share/timeforged/autostart"
    cp -a "$dist/timeforged" "$stage/timeforged"
    cp packaging/linux/install.sh "$stage/"
    cp packaging/linux/timeforged.desktop "$stage/share/applications/"
    cp packaging/linux/timeforged-autostart.desktop "$stage/share/timeforged/autostart/timeforged.desktop"
    icons "$stage/share/icons/hicolor"
    tar -C "$work/stage" -cf - "$name" | xz -T0 "-$xz_level" > "$dist/$name.tar.xz"
    echo "build: $dist/$name.tar.xz"
}

icons() {  # the PNG set into a hicolor theme folder
    local size
    for png in packaging/icons/timeforged-*.png; do
        size=${png##*-}; size=${size%.png}
        install -Dm644 "$png" "$1/${size}x${size}/apps/timeforged.png"
    done
}

linux_deb() {
    local arch pkg root_dir size
    arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
    pkg="$dist/timeforged_${version}_${arch}.deb"
    root_dir="$work/deb"
    rm -rf "$root_dir" && mkdir -p "$root_dir/DEBIAN" "$root_dir/opt" "$root_dir/usr/bin"
    cp -a "$dist/timeforged" "$root_dir/opt/timeforged"
    ln -s /opt/timeforged/timeforged "$root_dir/usr/bin/timeforged"
    install -Dm644 packaging/linux/timeforged.desktop "$root_dir/usr/share/applications/timeforged.desktop"
    install -Dm644 packaging/linux/timeforged-autostart.desktop \
        "$root_dir/usr/share/timeforged/autostart/timeforged.desktop"
    icons "$root_dir/usr/share/icons/hicolor"
    # The focus mode's hosts-file helper (see docs/focus.md), run through pkexec.
    install -Dm755 packaging/linux/hosts-helper-frozen \
        "$root_dir/usr/libexec/timeforged/timeforged-hosts-helper"
    install -Dm644 packaging/linux/org.timeforged.hostshelper.policy \
        "$root_dir/usr/share/polkit-1/actions/org.timeforged.hostshelper.policy"
    size=$(du -sk --exclude=DEBIAN "$root_dir" | cut -f1)
    sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE_KB@/$size/" \
        packaging/linux/debian/control.in > "$root_dir/DEBIAN/control"
    install -m755 packaging/linux/debian/postinst packaging/linux/debian/postrm "$root_dir/DEBIAN/"
    dpkg-deb --root-owner-group -Zxz "-z$xz_level" --build "$root_dir" "$pkg" >/dev/null
    echo "build: $pkg"
}

case "$(uname -s)" in
    Linux)
        linux_tarball
        if command -v dpkg-deb >/dev/null; then linux_deb; else echo "build: no dpkg-deb, no .deb"; fi
        ;;
    Darwin)
        VERSION="$version" DIST_DIR="$dist" packaging/macos/sign-and-dmg.sh
        ;;
    *)
        echo "build: on Windows use packaging/build.ps1" >&2
        exit 1
        ;;
esac
