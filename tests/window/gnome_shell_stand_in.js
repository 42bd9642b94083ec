// A stand-in GNOME Shell 45+ for TimeForged's extension (run by tests/window/
// test_gnome_extension_gjs.py with `gjs -m`): the shell's module resource:///org/gnome/shell/
// extensions/extension.js (the test points the build's import at EXTENSION_BASE instead),
// `global.display`, Shell.WindowTracker and the windows are stand-ins with the members the
// extension uses; Gio, GLib and the session bus are real. The test drives it through
// org.timeforged.Test.Step on /org/timeforged/Test.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Shell from 'gi://Shell';

const [extensionUrl] = ARGV;

class Signals {
    constructor() {
        this._handlers = new Map();
        this._next = 1;
    }

    connect(name, callback) {
        this._handlers.set(this._next, [name, callback]);
        return this._next++;
    }

    disconnect(id) {
        if (!this._handlers.delete(id))
            throw new Error(`no handler ${id}`);
    }

    emit(name) {
        for (const [wanted, callback] of [...this._handlers.values()]) {
            if (wanted === name)
                callback(this);
        }
    }
}

class StandInWindow extends Signals {
    constructor(wmClass, appId, title, pid) {
        super();
        Object.assign(this, {wmClass, appId, title, pid, fullscreen: false});
    }

    get_wm_class() { return this.wmClass; }
    get_wm_class_instance() { return this.wmClass.toLowerCase(); }
    get_gtk_application_id() { return null; }
    get_title() { return this.title; }
    get_pid() { return this.pid; }
    is_fullscreen() { return this.fullscreen; }
}

const windows = {
    editor: new StandInWindow('Gedit', 'org.gnome.gedit.desktop', 'notes.txt - gedit', 4242),
    terminal: new StandInWindow('kgx', 'org.gnome.Console.desktop', 'bash', 4343),
};
const display = new Signals();
display.focus_window = null;
globalThis.global = {display};
Shell.WindowTracker = {
    get_default: () => ({get_window_app: w => ({get_id: () => w.appId})}),
};

const TEST_IFACE = `<node><interface name="org.timeforged.Test">
  <method name="Step"><arg type="s" direction="in" name="what"/></method>
</interface></node>`;

const {default: TimeForgedExtension} = await import(extensionUrl);
const extension = new TimeForgedExtension({uuid: 'focused-window@timeforged.dev'});

const steps = {
    focus: name => {
        display.focus_window = windows[name] || null;
        display.emit('notify::focus-window');
    },
    title: text => {
        display.focus_window.title = text;
        display.focus_window.emit('notify::title');
    },
    fullscreen: () => {
        display.focus_window.fullscreen = true;
        display.focus_window.emit('notify::fullscreen');
    },
    disable: () => extension.disable(),
    enable: () => extension.enable(),
};
const control = Gio.DBusExportedObject.wrapJSObject(TEST_IFACE, {
    Step(what) {
        const [step, ...rest] = what.split(':');
        steps[step](rest.join(':'));
    },
});
control.export(Gio.DBus.session, '/org/timeforged/Test');
steps.focus('editor');
extension.enable();
Gio.DBus.session.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
    'org.freedesktop.DBus', 'RequestName', new GLib.Variant('(su)', ['org.gnome.Shell', 4]),
    null, Gio.DBusCallFlags.NONE, -1, null);
print('ready');
new GLib.MainLoop(null, false).run();
