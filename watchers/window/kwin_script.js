// TimeForged: reports the active window, and every later activation, caption or fullscreen
// change, to the bus name SERVICE over D-Bus, as one JSON string. KWin 5 (activeClient,
// clientActivated) and KWin 6 (activeWindow, windowActivated).
const SERVICE = "@SERVICE@";
let current = null;

function report() {
    const w = current;
    const data = w ? {
        caption: String(w.caption || ""),
        resourceClass: String(w.resourceClass || ""),
        resourceName: String(w.resourceName || ""),
        desktopFileName: String(w.desktopFileName || ""),
        pid: Number(w.pid || 0),
        fullscreen: Boolean(w.fullScreen),
    } : {};
    callDBus(SERVICE, "/org/timeforged/Window", "org.timeforged.Window", "Update",
             JSON.stringify(data));
}

function activated(w) {
    if (current) {
        try {
            current.captionChanged.disconnect(report);
            current.fullScreenChanged.disconnect(report);
        } catch (e) {
            // the window is gone
        }
    }
    current = w || null;
    if (current) {
        current.captionChanged.connect(report);
        current.fullScreenChanged.connect(report);
    }
    report();
}

if (workspace.windowActivated) {
    workspace.windowActivated.connect(activated);
    activated(workspace.activeWindow);
} else {
    workspace.clientActivated.connect(activated);
    activated(workspace.activeClient);
}
