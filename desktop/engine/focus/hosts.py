"""The hosts-file layer of focus mode: one marked section, everything else left byte for byte.

The section looks like this (with the file's own line endings)::

    # >>> TimeForged focus block: managed by TimeForged, do not edit >>>
    # until 1763690400
    0.0.0.0 reddit.com
    :: reddit.com
    0.0.0.0 www.reddit.com
    :: www.reddit.com
    # <<< TimeForged focus block <<<

Standard library only: the privileged helper imports this module and nothing else of ours.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

BEGIN = "# >>> TimeForged focus block: managed by TimeForged, do not edit >>>"
END = "# <<< TimeForged focus block <<<"
_UNTIL = re.compile(r"^# until (\d{1,12})$")
# Present when the user's file had no final newline and we added one before the section.
_JOINED = "# joined"
TEMP_PREFIX = ".timeforged-hosts-"

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class HostsError(Exception):
    """The hosts file cannot be changed as asked; the message says why."""


class ConcurrentEditError(HostsError):
    """The file changed between our read and our replace."""


def system_hosts_path() -> Path:
    if sys.platform == "win32":
        root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        return Path(root) / "System32" / "drivers" / "etc" / "hosts"
    return Path("/etc/hosts")


def validate_domain(domain: str) -> str:
    """The domain in canonical form (lower case, no final dot), or HostsError.

    Strict on purpose: ASCII letters, digits and hyphens in dot-separated labels, at least two
    labels, a non-numeric top level. Anything else (spaces, `#`, newlines, IP addresses,
    wildcards) is refused, so nothing but host names ever reaches the file.
    """
    if not isinstance(domain, str) or not domain.isascii():
        raise HostsError(f"not a plain ASCII domain name: {domain!r} (use punycode)")
    name = domain.lower().removesuffix(".")
    labels = name.split(".")
    if (len(name) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels)
            or labels[-1].isdigit()):
        raise HostsError(f"not a valid domain name: {domain!r}")
    return name


def expand(domains: Iterable[str]) -> list[str]:
    """Validated domains with their www./bare twins, in a stable order, without repeats."""
    out: dict[str, None] = {}
    for domain in domains:
        bare = validate_domain(domain).removeprefix("www.")
        if "." not in bare:  # "www.com" itself
            bare = "www." + bare
        out[bare] = None
        out["www." + bare] = None
    return list(out)


@dataclass(frozen=True)
class Block:
    """The section currently in the file."""

    until: int
    domains: tuple[str, ...]  # names with both entries, twins included

    def expired(self, now: float) -> bool:
        return now >= self.until


@dataclass(frozen=True)
class _Parsed:
    head: str  # everything before the section, byte for byte
    section: list[str]  # the section's lines, without line endings
    tail: str  # everything after the END line (its line ending included in the section)
    joined: bool


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _parse(text: str) -> _Parsed | None:
    lines = text.splitlines(keepends=True)
    stripped = [line.rstrip("\r\n") for line in lines]
    begins = [i for i, s in enumerate(stripped) if s.strip() == BEGIN]
    ends = [i for i, s in enumerate(stripped) if s.strip() == END]
    if not begins and not ends:
        return None
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise HostsError("the TimeForged section of the hosts file is damaged (markers "
                         "missing, repeated or out of order): remove it by hand")
    b, e = begins[0], ends[0]
    section = stripped[b:e + 1]
    return _Parsed("".join(lines[:b]), section, "".join(lines[e + 1:]), _JOINED in section)


def _block_of(section: list[str]) -> Block:
    until = None
    entries: dict[str, set[str]] = {}
    for line in section[1:-1]:
        match = _UNTIL.match(line)
        if match:
            until = int(match.group(1))
            continue
        if line == _JOINED:
            continue
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("0.0.0.0", "::"):
            entries.setdefault(validate_domain(parts[1]), set()).add(parts[0])
            continue
        raise HostsError(f"unexpected line in the TimeForged section of the hosts file: "
                         f"{line!r}")
    if until is None:
        raise HostsError("the TimeForged section of the hosts file has no end time")
    # A name counts as blocked only with both its IPv4 and its IPv6 entry.
    return Block(until, tuple(n for n, addrs in entries.items() if len(addrs) == 2))


def render_section(domains: Iterable[str], until: int, newline: str, joined: bool) -> str:
    lines = [BEGIN, f"# until {int(until)}"]
    if joined:
        lines.append(_JOINED)
    for name in expand(domains):
        lines += [f"0.0.0.0 {name}", f":: {name}"]
    lines.append(END)
    return "".join(line + newline for line in lines)


def with_block(text: str, domains: Iterable[str], until: int) -> str:
    """`text` with our section set to block `domains` until `until`; other lines untouched."""
    parsed = _parse(text)
    nl = _newline(text)
    if parsed is None:
        joined = bool(text) and not text.endswith(("\n", "\r"))
        return text + (nl if joined else "") + render_section(domains, until, nl, joined)
    _block_of(parsed.section)
    return parsed.head + render_section(domains, until, nl, parsed.joined) + parsed.tail


def without_block(text: str) -> str:
    """`text` with our section removed: exactly the user's file as it was before we added it."""
    parsed = _parse(text)
    if parsed is None:
        return text
    _block_of(parsed.section)  # a section holding foreign lines is refused, not dropped
    head = parsed.head
    if parsed.joined and not parsed.tail:
        for nl in ("\r\n", "\n", "\r"):
            if head.endswith(nl):
                head = head[: -len(nl)]
                break
    return head + parsed.tail


def check_hosts_syntax(text: str) -> None:
    """HostsError unless every line is blank, a comment, or starts with an IP address."""
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        try:
            ipaddress.ip_address(fields[0].split("%", 1)[0])
        except ValueError:
            raise HostsError(f"line {number} does not start with an IP address: "
                             f"this is not a hosts file") from None


def read_block(text: str) -> Block | None:
    parsed = _parse(text)
    return None if parsed is None else _block_of(parsed.section)


def atomic_replace(path: Path, data: bytes, expected: bytes,
                   before_replace: Callable[[Path], None] | None = None) -> None:
    """Write `data` to `path` through a temporary file in the same folder (fsync, same mode
    and owner, os.replace), unless the file no longer holds `expected`.

    `before_replace(temp_path)` runs when the temporary file is complete, just before the
    final check and rename.
    """
    st = path.stat()
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(out.fileno(), st.st_mode & 0o7777)
            if hasattr(os, "fchown"):
                with contextlib.suppress(PermissionError):  # not root: it stays ours
                    os.fchown(out.fileno(), st.st_uid, st.st_gid)
        if before_replace is not None:
            before_replace(tmp)
        if path.read_bytes() != expected:
            raise ConcurrentEditError(f"{path} was changed by another program while we "
                                      f"wrote it; nothing was replaced")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class HostsFile:
    """Our section of one hosts file. Every change re-reads the file and writes atomically;
    if another program edits it meanwhile, the change is recomputed on its new content
    (up to `retries` times) so both edits survive."""

    def __init__(self, path: Path, *, retries: int = 3,
                 before_replace: Callable[[Path], None] | None = None) -> None:
        self.path = Path(os.path.realpath(path))  # replace the target, not a symlink to it
        self.retries = retries
        self.before_replace = before_replace

    def read(self) -> bytes:
        return self.path.read_bytes()

    def block(self) -> Block | None:
        return read_block(_decode(self.read()))

    def apply(self, domains: Iterable[str], until: int) -> bool:
        """Block `domains` until `until`; returns False when the file already said so."""
        names = expand(domains)
        if not names:
            raise HostsError("no domains to block")
        return self._change(lambda text: with_block(text, names, until))

    def clear(self) -> bool:
        """Remove our section; returns False when there was none."""
        return self._change(without_block)

    def clear_expired(self, now: float) -> bool:
        """Remove the section if its time is over (after a crash or a reboot)."""
        block = self.block()
        return block is not None and block.expired(now) and self.clear()

    def needs_reapply(self, domains: Iterable[str], until: int) -> bool:
        """True when the file does not block exactly `domains` until `until` (edited away)."""
        try:
            block = self.block()
        except HostsError:
            return True
        return block is None or block.until != int(until) or set(block.domains) != set(
            expand(domains))

    def remove_stale_temps(self) -> list[Path]:
        """Delete temporary files a crash left between our write and our rename."""
        removed = []
        for stale in self.path.parent.glob(TEMP_PREFIX + "*"):
            try:
                stale.unlink()
                removed.append(stale)
            except OSError:
                pass
        return removed

    def _change(self, transform: Callable[[str], str]) -> bool:
        attempt = 0
        while True:
            before = self.read()
            after = _encode(transform(_decode(before)))
            if after == before:
                return False
            try:
                atomic_replace(self.path, after, before, self.before_replace)
                return True
            except ConcurrentEditError:
                attempt += 1
                if attempt > self.retries:
                    raise
