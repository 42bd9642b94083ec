#!/usr/bin/env bash
# Installs everything TimeForged needs on Debian/Ubuntu (system packages and a
# virtualenv in .venv). Safe to run again: it only installs what is missing.
#   scripts/setup.sh          app dependencies
#   scripts/setup.sh --test   also the test tools (Xvfb, window manager, xdotool...)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

app_pkgs=(x11-xserver-utils libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
          libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-shape0
          libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1
          libdbus-1-3 gcc linux-libc-dev python3-venv)
test_pkgs=(xvfb openbox xdotool xterm trayer dbus dbus-x11 x11-utils git vim tmux chromium openssl libglib2.0-bin postgresql icu-devtools
           podman runc netavark aardvark-dns iptables mmdebstrap
           # apps no table of ours names, recognized by their .desktop entries (issue 16)
           geany pluma featherpad kwrite scite mousepad epiphany-browser falkon lxterminal
           sakura mate-terminal
           # real headless Wayland compositors and apps (tests/wayland, issue 17)
           sway swayidle wtype foot weston kwin-wayland gnome-shell gjs wayfire cage
           # a real sound server for the keep-active rules (tests/keep_active, issue 19)
           pipewire pipewire-pulse wireplumber pulseaudio-utils
           )

missing=()
pkgs=("${app_pkgs[@]}")
[ "$want_test" = 1 ] && pkgs+=("${test_pkgs[@]}")
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A Secret Service for the bundle's keyring test: gnome-keyring unpacked into tests/, not
# installed (installed, its D-Bus activation file makes every session's keyring clients start
# it, and it then asks for a password on the display).
keyring_dir=tests/.gnome-keyring
if [ "$want_test" = 1 ] && [ ! -x "$keyring_dir/usr/bin/gnome-keyring-daemon" ]; then
  echo "setup: unpacking gnome-keyring into $keyring_dir"
  debs=$(mktemp -d)
  (cd "$debs" && apt-get download -qq gnome-keyring libgck-1-0 libgcr-base-3-1 libsecret-1-0 \
      libsecret-common p11-kit-modules 2>/dev/null)
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$keyring_dir"; done
  rm -rf "$debs"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
extras="dev"
[ "$want_test" = 1 ] && extras="dev,test,packaging"
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-$extras"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages ($extras)"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e ".[$extras]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
