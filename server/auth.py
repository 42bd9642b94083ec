"""Users and API keys: keys are UUID4s (WakaTime plugins accept nothing else: 122 random
bits), stored only as their SHA-256; plus a per-key token-bucket rate limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import threading
import time
import uuid
from dataclasses import dataclass

from server.db import Database
from server.models import ApiKey, User

LEADERBOARD_CHOICES = ("hidden", "public", "anonymous")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


def create_user(db: Database, name: str, email: str | None = None, timezone: str = "UTC"
                ) -> User:
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("name: 1 to 64 characters")
    if User.select().where(User.name == name).exists():
        raise ValueError(f"user {name!r} exists already")
    return User.create(name=name, email=email, timezone=timezone, created=time.time())


def create_key(db: Database, user: User, label: str = "") -> str:
    """A new key for `user`; returned once, only its hash is kept."""
    key = str(uuid.uuid4())
    ApiKey.create(user=user.id, key_hash=hash_key(key), label=label, created=time.time(),
                  hint=key[-4:])
    return key


def key_from_header(authorization: str | None) -> str | None:
    """The key of ``Bearer KEY`` or WakaTime's ``Basic base64(KEY)`` (or ``KEY:``)."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return decoded.split(":", 1)[0] or None
    return None


@dataclass(frozen=True)
class Caller:
    user: User
    key_id: int


class KeyCache:
    """Verifies keys; remembers good ones for a minute. A revocation empties it (`forget`: in
    every process on PostgreSQL, server.cluster_bus); else it takes effect within the TTL."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._cache: dict[str, tuple[float, Caller]] = {}
        self._lock = threading.Lock()
        self._generation = 0  # of `forget`: a key read before one is not cached after it

    def cached(self, key: str | None) -> Caller | None:
        """The key's owner if verified within the last `ttl` seconds (no database)."""
        if not key or len(key) > 128:
            return None
        with self._lock:
            hit = self._cache.get(hash_key(key))
        return hit[1] if hit and time.monotonic() - hit[0] < self.ttl else None

    def verify(self, key: str | None) -> Caller | None:
        found = self.cached(key)
        if found is not None or not key or len(key) > 128:
            return found
        digest = hash_key(key)
        now = time.monotonic()
        generation = self._generation
        row = ApiKey.get_or_none(ApiKey.key_hash == digest)
        if row is None or row.revoked or not hmac.compare_digest(row.key_hash, digest):
            return None
        user = User.get_or_none(User.id == row.user)
        if user is None:
            return None
        ApiKey.update(last_used=time.time()).where(ApiKey.id == row.id).execute()
        caller = Caller(user, row.id)
        with self._lock:
            if generation == self._generation:
                self._cache[digest] = (now, caller)
        return caller

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._cache.clear()


class RateLimiter:
    """A token bucket per key (in this process: behind N processes the limit is N times)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int) -> float:
        """0 if allowed, else the seconds to wait before retrying."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key_id] = (tokens - 1, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return max(1.0, math.ceil((1 - tokens) / self.rate))
