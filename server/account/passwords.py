"""Passwords an admin sets (`timeforged-server user set-password NAME`): scrypt with a random
salt (stdlib), one row per user in `user_password`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from server.db import Database
from server.models import User

N, R, P = 2**14, 8, 1  # 16 MiB and ~90 ms per guess on the 2-core test machine
MIN_LENGTH, MAX_LENGTH = 8, 1024


def hashed(password: str, salt: bytes | None = None, n: int = N, r: int = R, p: int = P) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def matches(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, _ = stored.split("$")
        again = hashed(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return kind == "scrypt" and hmac.compare_digest(again, stored)


def set_password(db: Database, user: User, password: str) -> None:
    """ValueError when the password is too short or long; ends the user's sessions."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"password: {MIN_LENGTH} to {MAX_LENGTH} characters")
    with db.db.atomic():
        db.execute('DELETE FROM user_password WHERE "user" = %s', (user.id,))
        db.execute('INSERT INTO user_password ("user", hash, updated) VALUES (%s, %s, %s)',
                   (user.id, hashed(password), time.time()))
        db.execute('DELETE FROM web_session WHERE "user" = %s', (user.id,))


# Compared against when the user is unknown, so that a wrong name costs the same as a wrong
# password (no user enumeration by timing).
_DUMMY = hashed(secrets.token_hex(8))


def check(db: Database, name: str, password: str) -> User | None:
    """The user named `name` if `password` is theirs."""
    user = User.get_or_none(User.name == name.strip()) if len(name) <= 64 else None
    row = db.execute('SELECT hash FROM user_password WHERE "user" = %s',
                     (user.id,)).fetchone() if user else None
    good = matches(password[:MAX_LENGTH], row[0] if row else _DUMMY)
    return user if good and row else None
