"""Self-checks for `timeforged doctor`: does this install's keyring work, are the libraries
Qt's X11 plugin needs there? (The Qt side's text checks live in desktop/ui/text_checks.py.)"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

DOCTOR_SERVICE = "TimeForged doctor"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def keyring_backend() -> Check:
    """Which keyring backend the sync key would go to (no keyring is not a failure: the key
    then lives in a 0600 file)."""
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken install, not a missing keyring
        return Check("keyring backend", False, f"keyring does not load: {exc}")
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    usable = "fail" not in name and getattr(backend, "priority", 1) > 0
    return Check("keyring backend", True,
                 name if usable else f"{name} (none works here: the sync key goes to a file)")


def secret_service_transport() -> Check:
    """The Secret Service's encrypted session as SecretStorage runs it (Diffie-Hellman, then
    AES-128-CBC through `cryptography`), between two local ends: no daemon needed."""
    if not sys.platform.startswith("linux"):
        return Check("secret service encryption", True, "not used on this OS")
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from secretstorage.dhcrypto import Session
        from secretstorage.util import format_secret

        ours, theirs = Session(), Session()
        ours.set_server_public_key(theirs.my_public_key)
        theirs.set_server_public_key(ours.my_public_key)
        ours.object_path = "/org/freedesktop/secrets/session/doctor"
        secret = os.urandom(24)
        _path, iv, sealed, _type = format_secret(ours, secret, "text/plain")
        opener = Cipher(algorithms.AES(theirs.aes_key), modes.CBC(iv)).decryptor()
        padded = opener.update(sealed) + opener.finalize()
        ok = padded[:-padded[-1]] == secret and secret not in sealed
    except Exception as exc:
        return Check("secret service encryption", False, f"{type(exc).__name__}: {exc}")
    return Check("secret service encryption", ok,
                 "dh-ietf1024-sha256-aes128-cbc-pkcs7 round trip" if ok else "wrong plaintext")


def keyring_round_trip() -> Check:
    """Store, read back and delete a throwaway secret in the system keyring."""
    try:
        import keyring

        secret = os.urandom(12).hex()
        keyring.set_password(DOCTOR_SERVICE, "round-trip", secret)
        try:
            back = keyring.get_password(DOCTOR_SERVICE, "round-trip")
        finally:
            keyring.delete_password(DOCTOR_SERVICE, "round-trip")
    except Exception as exc:
        return Check("keyring round trip", False, f"{type(exc).__name__}: {exc}")
    ok = back == secret
    return Check("keyring round trip", ok, "stored, read back, deleted" if ok else
                 "read back something else")


# Libraries Qt's X11 (xcb) platform plugin needs that a desktop may lack (pip's PySide6 does
# not bring them), with the Debian/Ubuntu package holding each. Without one, Qt prints only
# its list of platform plugins and aborts.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11-xcb.so.1": "libx11-xcb1",
}
# Where the package has another name elsewhere (Fedora, Arch).
OTHER_NAMES = {"libxcb-cursor0": "xcb-util-cursor", "libxkbcommon-x11-0": "libxkbcommon-x11"}


def can_load(soname: str) -> bool:
    """Whether `soname` loads as Qt's plugin would find it: shipped in the frozen bundle (where
    PyInstaller puts the libraries it keeps), else from the system."""
    import ctypes

    bundle = getattr(sys, "_MEIPASS", None)
    for candidate in ([os.path.join(bundle, soname)] if bundle else []) + [soname]:
        try:
            ctypes.CDLL(candidate)
        except OSError:
            continue
        return True
    return False


def missing_xcb_libraries(lookup: Callable[[str], bool] = can_load) -> dict[str, str]:
    """soname -> package, for each library of XCB_LIBRARIES that `lookup` cannot load."""
    if not sys.platform.startswith("linux"):
        return {}
    return {soname: package for soname, package in XCB_LIBRARIES.items() if not lookup(soname)}


def xcb_advice(missing: dict[str, str]) -> str:
    """One sentence: what is missing and which packages to install."""
    packages = list(dict.fromkeys(missing.values()))
    others = [OTHER_NAMES[p] for p in packages if p in OTHER_NAMES]
    return (f"Qt cannot open windows on X11 because {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing: install "
            f"{' '.join(packages)} (sudo apt install {' '.join(packages)}"
            + (f"; {' '.join(others)} on Fedora and Arch" if others else "") + ").")


def xcb_libraries(lookup: Callable[[str], bool] = can_load) -> Check:
    if not sys.platform.startswith("linux"):
        return Check("Qt X11 libraries", True, "not used on this OS")
    missing = missing_xcb_libraries(lookup)
    return Check("Qt X11 libraries", not missing,
                 xcb_advice(missing) if missing else f"{len(XCB_LIBRARIES)} found")


def xcb_platform_expected(env: Mapping[str, str]) -> bool:
    """Whether Qt will use its xcb plugin: asked for, or an X11 session without Wayland."""
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(";")[0].startswith("xcb")
    return sys.platform.startswith("linux") and bool(env.get("DISPLAY")) \
        and not env.get("WAYLAND_DISPLAY")
