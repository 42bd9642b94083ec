"""TimeForged's KWin script under both of KWin's scripting APIs, run by gjs with a recorded
stand-in `workspace`: KWin 6 (Plasma 6: activeWindow, windowActivated) cannot run here
(Debian 12 ships KWin 5.27, where tests/wayland/test_kwin.py runs the script for real), so
this is what exercises the KWin 6 branch. The stand-in has the members the script uses, with
the names and signals of KWin's API (KWin 5: activeClient, clientActivated; both:
caption, resourceClass, resourceName, desktopFileName, pid, fullScreen, captionChanged,
fullScreenChanged); callDBus records what would go on the bus."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from watchers.window.kwin import SCRIPT

STAND_IN = """
const calls = [];
function callDBus(service, path, iface, method, ...args) {
    calls.push([service, path, iface, method, ...args]);
}
function signal() {
    const slots = [];
    return {
        connect(f) { slots.push(f); },
        disconnect(f) {
            const i = slots.indexOf(f);
            if (i < 0) { throw new Error("not connected"); }
            slots.splice(i, 1);
        },
        emit(...a) { slots.slice().forEach(f => f(...a)); },
    };
}
function makeWindow(caption, cls, pid) {
    return {caption, resourceClass: cls, resourceName: cls.toLowerCase(),
            desktopFileName: "org.example." + cls, pid, fullScreen: false,
            captionChanged: signal(), fullScreenChanged: signal()};
}
const editor = makeWindow("main.py - Kate", "kate", 101);
const term = makeWindow("~ : bash", "konsole", 202);
const workspace = API === 6
    ? {activeWindow: editor, windowActivated: signal()}
    : {activeClient: editor, clientActivated: signal()};
const focusSignal = API === 6 ? workspace.windowActivated : workspace.clientActivated;
"""

DRIVE = """
focusSignal.emit(term);            // focus moves
editor.caption = "other.py - Kate";
editor.captionChanged.emit();      // the old window is no longer followed: nothing sent
term.caption = "~ : vim";
term.captionChanged.emit();        // a caption change of the active window
term.fullScreen = true;
term.fullScreenChanged.emit();
focusSignal.emit(null);            // nothing active (desktop, lock screen)
print(JSON.stringify(calls));
"""


def run_script(api: int) -> list[list[str]]:
    if shutil.which("gjs") is None:
        pytest.skip("gjs is not installed: run scripts/setup.sh --test")
    script = SCRIPT.read_text(encoding="utf-8").replace("@SERVICE@", "org.timeforged.test")
    source = f"const API = {api};\n{STAND_IN}\n{script}\n{DRIVE}"
    done = subprocess.run(["gjs", "-c", source], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("api", [5, 6])
def test_the_script_reports_focus_caption_and_fullscreen_with_either_api(api):
    calls = run_script(api)
    assert {tuple(c[:4]) for c in calls} == {
        ("org.timeforged.test", "/org/timeforged/Window", "org.timeforged.Window", "Update")}
    reports = [json.loads(c[4]) for c in calls]
    kate = {"caption": "main.py - Kate", "resourceClass": "kate", "resourceName": "kate",
            "desktopFileName": "org.example.kate", "pid": 101, "fullscreen": False}
    konsole = {"caption": "~ : bash", "resourceClass": "konsole", "resourceName": "konsole",
               "desktopFileName": "org.example.konsole", "pid": 202, "fullscreen": False}
    assert reports == [
        kate,  # the window active when the script starts
        konsole,
        {**konsole, "caption": "~ : vim"},
        {**konsole, "caption": "~ : vim", "fullscreen": True},
        {},
    ]
