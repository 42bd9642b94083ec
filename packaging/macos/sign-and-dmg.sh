#!/usr/bin/env bash
# Signs TimeForged.app, packs it in a .dmg (hdiutil), notarizes and staples it. Called by
# packaging/build.sh on macOS. Each step runs only when its variables are set:
#   MACOS_SIGN_IDENTITY    "Developer ID Application: Name (TEAMID)"  -> codesign
#   NOTARY_PROFILE         a `xcrun notarytool store-credentials` profile, or
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD                       -> notarytool + stapler
# Without them the .dmg is unsigned (Gatekeeper will ask users to confirm the first start).
set -euo pipefail
cd "$(dirname "$0")/../.."
dist=${DIST_DIR:-dist}
version=${VERSION:?VERSION is set by build.sh}
app="$dist/TimeForged.app"
dmg="$dist/TimeForged-$version.dmg"
[ -d "$app" ] || { echo "no $app: run packaging/build.sh" >&2; exit 1; }

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    # Inside out: every library and framework first, then the app with its entitlements.
    find "$app/Contents" \( -name "*.so" -o -name "*.dylib" -o -perm -u+x -type f \) -print0 |
        xargs -0 codesign --force --timestamp --options runtime --sign "$MACOS_SIGN_IDENTITY"
    codesign --force --timestamp --options runtime \
        --entitlements packaging/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" "$app"
    codesign --verify --deep --strict --verbose=2 "$app"
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname "TimeForged $version" -srcfolder "$staging" -fs HFS+ \
    -format UDZO -imagekey zlib-level=9 "$dmg"
[ -n "${MACOS_SIGN_IDENTITY:-}" ] && codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"

if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
    xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
        --password "$APPLE_APP_PASSWORD" --wait
    xcrun stapler staple "$dmg"
fi
echo "build: $dmg"
