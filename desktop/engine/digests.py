"""Hashes without OpenSSL: `hashlib` (and `hmac`, `secrets`) load libcrypto, 3.7 MiB of the idle
tray app (issue 21). CPython's own sha1, sha256 and blake2 modules give the same digests;
hashlib's are the fallback where a build lacks them."""

from __future__ import annotations

from _operator import _compare_digest as compare_digest  # what hmac.compare_digest is
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from uuid import UUID

__all__ = ["blake2b", "blake2s", "compare_digest", "sha1", "sha256", "uuid5"]


def uuid5(namespace: UUID, name: str) -> UUID:
    """`uuid.uuid5(namespace, name)`, without hashlib's sha1 (uuid is imported here: the CLI's
    quick commands do not need it)."""
    from uuid import UUID

    return UUID(bytes=sha1(namespace.bytes + name.encode("utf-8")).digest()[:16], version=5)
