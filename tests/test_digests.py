"""Hashes without OpenSSL (desktop/engine/digests.py): the same digests as hashlib's, the
store's existing keys unchanged, and the engine and the tray's modules load no OpenSSL."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import uuid

import pytest

from desktop.engine import digests
from desktop.engine.rules import Rules
from desktop.engine.store.beats import hash64, span_uuid
from desktop.engine.store.store import _key_hash, key_digest

SAMPLES = [b"", b"a", b"timeforged", bytes(range(256)) * 40, "é/ü.py".encode()]


@pytest.mark.parametrize("data", SAMPLES)
def test_the_digests_are_hashlibs(data):
    assert digests.sha1(data).hexdigest() == hashlib.sha1(data).hexdigest()
    assert digests.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    for size in (2, 8, 16, 64):
        assert digests.blake2b(data, digest_size=size).digest() == \
            hashlib.blake2b(data, digest_size=size).digest()
    for size in (2, 32):
        assert digests.blake2s(data, digest_size=size).digest() == \
            hashlib.blake2s(data, digest_size=size).digest()


def test_uuid5_and_compare_digest_are_the_standard_librarys():
    for name in ("", "project:app", "device:é", "x" * 1000):
        assert digests.uuid5(uuid.NAMESPACE_DNS, name) == uuid.uuid5(uuid.NAMESPACE_DNS, name)
    for a, b in ((b"key", b"key"), (b"key", b"kez"), (b"", b""), (b"a", b"ab")):
        assert digests.compare_digest(a, b) == hmac.compare_digest(a, b)


def test_stored_keys_are_those_made_before():
    """Values computed with hashlib before the change: stored activities, spans and rules'
    classifications keep being found. (The desktop's key hash changed with schema step 24,
    which hashed every stored activity anew: these are its values since.)"""
    assert _key_hash(("code", "main.py - TimeForged", None)) == "05d65d7e9b04fecb5d0838044eaf2602"
    assert _key_hash(("code", "x", "coding")) == "e7affc8fb101cfaca8a88b8c83814ca1"
    assert key_digest(("code", "main.py - TimeForged", None, None, "src/main.py", "TimeForged",
                       "main", "Python", "code", None, None, False, False, None)) == \
        bytes.fromhex("2d0dc0ac")
    assert key_digest(("firefox", "T\u00ebst \u2603", "https://x.test/", "x.test", None, None,
                       None, None, None, "firefox", None, False, True, "web")) == \
        bytes.fromhex("1a125d10")
    assert hash64(("editor", "/src/a.py")) == -788056933090289393
    assert span_uuid("dev-1", "editor", 1700000000.25, 42) == \
        "d81a5e03-75a3-506a-bd02-e99c101122b3"
    rules = Rules([], [], {"coding": 2, "social": -1}, {"VS Code": "code"})
    assert rules.fingerprint == "c0457b81a327b30c"


def test_the_engine_and_the_tray_modules_load_no_openssl():
    code = ("import sys, desktop.engine.service, desktop.engine.api.server, desktop.ui.tray, "
            "desktop.ui.single_instance, desktop.ui.theme, desktop.engine.gitlog\n"
            "print(__import__('json').dumps(sorted(m for m in ('_hashlib', '_ssl', 'hashlib', "
            "'hmac', 'secrets', 'http.client', 'http.server', 'email') if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []
