"""Video nodes in a test PipeWire (tests.keep_active.sound_server), made with `pw-cli` from
SPA's videotestsrc with the properties the real producers give theirs: a screen cast as
xdg-desktop-portal-wlr publishes it, one as GNOME's mutter does, and a camera. Also records
`pw-dump` of them for the parser's tests (python -m tests.keep_active.video_nodes DIR)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.keep_active.sound_server import SoundServer, start_sound_server

WLR_CAST = {"node.name": "xdpw-stream", "media.class": "Video/Source"}
MUTTER_CAST = {"node.name": "gnome-shell", "media.name": "meta-screen-cast-src",
               "media.class": "Stream/Output/Video"}
CAMERA = {"node.name": "v4l2_input.pci-0000_00_14.0-usb-0_1_1.0", "media.class": "Video/Source",
          "device.api": "v4l2", "media.role": "Camera"}


def create(server: SoundServer, props: dict[str, str]) -> int:
    """A lingering videotestsrc node with `props`; returns its id."""
    args = [f"{k}={v}" for k, v in props.items()]
    subprocess.run(["pw-cli", "create-node", "spa-node-factory", "factory.name=videotestsrc",
                    "object.linger=true", *args], env=server.env, capture_output=True,
                   timeout=10, check=True)
    return node_id(server, props["node.name"])


def node_id(server: SoundServer, name: str) -> int:
    dump = json.loads(pw_dump(server))
    return next(o["id"] for o in dump if o.get("type") == "PipeWire:Interface:Node"
                and (o.get("info") or {}).get("props", {}).get("node.name") == name)


def destroy(server: SoundServer, node: int) -> None:
    subprocess.run(["pw-cli", "destroy", str(node)], env=server.env, capture_output=True,
                   timeout=10, check=True)


def pw_dump(server: SoundServer) -> str:
    return subprocess.run(["pw-dump", "--no-colors"], env=server.env, capture_output=True,
                          text=True, timeout=10, check=True).stdout


def record(folder: Path) -> None:
    server = start_sound_server()
    try:
        (folder / "pw-dump-no-cast.json").write_text(pw_dump(server))
        camera = create(server, CAMERA)
        wlr = create(server, WLR_CAST)
        (folder / "pw-dump-wlr-cast-and-camera.json").write_text(pw_dump(server))
        destroy(server, wlr)
        destroy(server, camera)
        create(server, MUTTER_CAST)
        (folder / "pw-dump-mutter-cast.json").write_text(pw_dump(server))
    finally:
        server.close()


if __name__ == "__main__":
    record(Path(sys.argv[1]))
