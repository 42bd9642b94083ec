"""Whether the local API's port answers, cheaply enough for every `timeforged status`."""

from __future__ import annotations

import _socket  # socket's C core: `import socket` costs ~2.5 ms of enum building (issue 21)


def listening(port: int, timeout: float) -> bool:
    """Whether anything listens on 127.0.0.1:`port`: where nothing does, a refused connection
    says so at once, before a client (its key, urllib, http.client) is loaded. (An address,
    not a name: no getaddrinfo, which would load the idna codec.)"""
    probe = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        probe.settimeout(timeout)
        probe.connect(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        probe.close()
    return True
