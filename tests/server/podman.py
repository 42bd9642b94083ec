"""Podman for the container tests: a private image store in a cache folder, a Debian base image
made locally (no registry is reachable here), and images built once per content hash.

The store and its settings live in `cache_root()` (CONTAINERS_STORAGE_CONF and CONTAINERS_CONF
point podman, and podman-compose through it, there), so nothing touches the machine's own
podman store and deleting the folder removes everything. Settings for a VM without systemd:
cgroupfs, runc (crun refuses hybrid cgroups), file events, and ulimits within the process's
hard limits (podman's defaults exceed them and there is no CAP_SYS_RESOURCE to raise them).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "container"
MIRROR = os.environ.get("TIMEFORGED_DEBIAN_MIRROR", "http://deb.debian.org/debian")
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates", "passwd")
# The build context of server/deploy/Dockerfile that the image holds (see .dockerignore).
SERVER_INPUTS = (".dockerignore", "pyproject.toml", "README.md", "desktop", "watchers", "server")
# This machine's CA bundle, for networks that intercept TLS (pip inside the build needs it).
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")


class Unusable(Exception):
    """Podman cannot build or run containers here; the message says why."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("TIMEFORGED_CONTAINER_CACHE") or Path(base) /
                "timeforged-container")


def files_hash(paths: Iterable[Path], *extra: str) -> str:
    digest = hashlib.sha256()
    for path in paths:
        files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    for text in extra:
        digest.update(text.encode())
    return digest.hexdigest()[:16]


class Podman:
    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or cache_root()).resolve()
        self.run_dir = Path("/run/timeforged-container") / hashlib.sha1(
            str(self.root).encode()).hexdigest()[:8]
        self.env = {**os.environ,
                    "CONTAINERS_STORAGE_CONF": str(self.root / "storage.conf"),
                    "CONTAINERS_CONF": str(self.root / "containers.conf")}
        self._settings = {
            "storage.conf": f'[storage]\ndriver = "overlay"\ngraphroot = "{self.root}/storage"\n'
                            f'runroot = "{self.run_dir}/storage"\n',
            "containers.conf": '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
                               f'runtime = "runc"\ntmp_dir = "{self.run_dir}/libpod"\n'
                               f'[containers]\ndefault_ulimits = {_ulimits()}\n'}

    def setup(self) -> None:
        """Writes the settings; raises Unusable when a tool is missing."""
        if os.geteuid() != 0:
            raise Unusable("these settings are for root's podman (rootless is not set up)")
        for tool in ("podman", "runc", "mmdebstrap"):
            if shutil.which(tool) is None:
                raise Unusable(f"{tool} is not installed (scripts/setup.sh --test)")
        self.root.mkdir(parents=True, exist_ok=True)
        for name, text in self._settings.items():
            path = self.root / name
            if not path.is_file() or path.read_text() != text:
                path.write_text(text)

    def __call__(self, *args: str, check: bool = True,
                 timeout: float = 120) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["podman", *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)} failed ({done.returncode}):\n"
                                 f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return done

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One test session at a time builds or prunes images in this store."""
        with (self.root / "lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    def exists(self, tag: str) -> bool:
        return self("image", "exists", tag, check=False).returncode == 0

    def base_image(self, log=print) -> str:
        """A Debian bookworm root file system with Python (mmdebstrap from the Debian mirror),
        imported as an image; made once."""
        tag = "localhost/timeforged-test-base:" + files_hash(
            [], "bookworm", MIRROR, *BASE_PACKAGES)
        if self.exists(tag):
            return tag
        log(f"making {tag} with mmdebstrap from {MIRROR}")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            tarball = Path(tmp) / "rootfs.tar"
            excludes = [f"--dpkgopt=path-exclude=/usr/share/{d}/*" for d in ("doc", "man", "info")]
            done = subprocess.run(
                ["mmdebstrap", "--variant=minbase", "--include=" + ",".join(BASE_PACKAGES),
                 *excludes, "bookworm", str(tarball), MIRROR],
                capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                raise Unusable(f"mmdebstrap failed:\n{done.stderr[-3000:]}")
            self("import", "--change", 'CMD ["/bin/bash"]', str(tarball), tag, timeout=300)
        probe = self("run", "--rm", tag, "python3", "-c", "print('ok')", check=False)
        if probe.stdout.strip() != "ok":
            self("rmi", tag, check=False)
            raise Unusable(f"podman cannot run a container here:\n{probe.stderr[-3000:]}")
        log(f"made {tag} in {time.monotonic() - started:.0f} s")
        self._drop_other_tags(tag)
        return tag

    def build(self, repo: str, containerfile: Path, context: Path, inputs: Iterable[Path],
              build_args: dict[str, str], log=print) -> str:
        """`podman build` tagged `repo:<hash of the inputs>`, skipped when that image exists;
        the repository's older tags are removed (their layers stay cached while shared)."""
        args = [f"{k}={v}" for k, v in sorted(build_args.items())]
        tag = f"{repo}:" + files_hash([containerfile, *inputs], *args)
        if self.exists(tag):
            return tag
        log(f"building {tag} from {containerfile.relative_to(ROOT)}")
        started = time.monotonic()
        volumes = ["-v", f"{HOST_CA}:{HOST_CA}:ro"] if HOST_CA.is_file() else []
        self("build", "--format", "docker", "--layers", "-f", str(containerfile), *volumes,
             *(x for a in args for x in ("--build-arg", a)), "-t", tag, str(context),
             timeout=1200)
        log(f"built {tag} in {time.monotonic() - started:.0f} s")
        self._drop_other_tags(tag)
        return tag

    def remove(self) -> None:
        """Deletes the store: its containers, images and volumes, and its folders."""
        if (self.root / "storage.conf").is_file():
            self("rm", "-af", "-v", check=False)
            self("rmi", "-af", check=False)
            self("volume", "rm", "-af", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def _drop_other_tags(self, tag: str) -> None:
        repo = tag.rsplit(":", 1)[0]
        listed = self("images", "--format", "{{.Repository}}:{{.Tag}}", repo).stdout.split()
        for old in set(listed) - {tag}:
            self("rmi", old, check=False)
        self("image", "prune", "-f", check=False)


def _ulimits() -> str:
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    nofile = 1 << 20 if nofile == resource.RLIM_INFINITY else min(nofile, 1 << 20)
    # runc refuses an nproc limit near this VM's hard one (65536 of 96365); 32768 is enough.
    nproc = 32768 if nproc == resource.RLIM_INFINITY else min(nproc, 32768)
    return f'["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]'


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["remove"]:
        sys.exit("usage: python -m tests.server.podman remove   (deletes cache_root()'s store)")
    Podman().remove()
