"""Hashes without OpenSSL: `hashlib` (and `hmac`, `secrets`) load libcrypto, 3.7 MiB of the idle
tray app (issue 21). CPython's own sha1, sha256 and blake2 modules give the same digests;
hashlib's are the fallback where a build lacks them."""

from __future__ import annotations

import uuid
from _operator import _compare_digest as compare_digest  # what hmac.compare_digest is

try:
    from _blake2 import blake2b, blake2s
except ImportError:  # pragma: no cover - CPython builds have it
    from hashlib import blake2b, blake2s
try:
    from _sha1 import sha1
except ImportError:  # pragma: no cover
    from hashlib import sha1
try:
    from _sha256 import sha256  # Python 3.11
except ImportError:  # pragma: no cover
    try:
        from _sha2 import sha256  # Python 3.12+
    except ImportError:
        from hashlib import sha256

__all__ = ["blake2b", "blake2s", "compare_digest", "sha1", "sha256", "uuid5"]


def uuid5(namespace: uuid.UUID, name: str) -> uuid.UUID:
    """`uuid.uuid5`, whose sha1 comes from hashlib."""
    return uuid.UUID(bytes=sha1(namespace.bytes + name.encode("utf-8")).digest()[:16],
                     version=5)
