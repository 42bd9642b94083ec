"""Self-checks for `timeforged doctor`: does this install's keyring work? (The Qt side's text
checks live in desktop/ui/text_checks.py.)"""

from __future__ import annotations

import os
import sys
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
