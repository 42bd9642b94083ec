#!/bin/sh
# Installs the TimeForged tarball for the current user (no root needed):
#   ./install.sh              into ~/.local (app in ~/.local/lib/timeforged)
#   ./install.sh --uninstall  removes it again (your data stays in ~/.local/share/TimeForged)
# PREFIX=/some/where ./install.sh installs elsewhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-$HOME/.local}
app="$prefix/lib/timeforged"
apps="$prefix/share/applications"
icons="$prefix/share/icons/hicolor"

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$app"
    rm -f "$prefix/bin/timeforged" "$apps/timeforged.desktop"
    for png in "$icons"/*/apps/timeforged.png; do rm -f "$png"; done
    echo "TimeForged removed from $prefix (data and the autostart entry, if any, are kept)."
    exit 0
fi

mkdir -p "$prefix/lib" "$prefix/bin" "$apps"
rm -rf "$app.new"
cp -a "$here/timeforged" "$app.new"
rm -rf "$app"
mv "$app.new" "$app"
ln -sf "$app/timeforged" "$prefix/bin/timeforged"
sed "s|^Exec=timeforged|Exec=$app/timeforged|" "$here/share/applications/timeforged.desktop" \
    > "$apps/timeforged.desktop"
for dir in "$here"/share/icons/hicolor/*/apps; do
    size=$(basename "$(dirname "$dir")")
    mkdir -p "$icons/$size/apps"
    cp "$dir/timeforged.png" "$icons/$size/apps/timeforged.png"
done
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
echo "TimeForged installed in $app; start it from the applications menu or with:"
echo "  $prefix/bin/timeforged"
