// TimeForged's GNOME Shell extension: the focused window on the session bus (object
// /org/timeforged/FocusedWindow on org.gnome.Shell), as JSON from Get() and pushed by the
// signal Changed on every focus, title or fullscreen change. The installer puts a
// version-specific head (imports.* for GNOME 43-44, ES modules for 45+) before this.
const IFACE = `<node><interface name="org.timeforged.FocusedWindow">
  <method name="Get"><arg type="s" direction="out" name="window"/></method>
  <signal name="Changed"><arg type="s" name="window"/></signal>
</interface></node>`;
const OBJECT_PATH = '/org/timeforged/FocusedWindow';

class FocusedWindowService {
    enable() {
        this._window = null;
        this._windowSignals = [];
        this._dbus = Gio.DBusExportedObject.wrapJSObject(IFACE, this);
        this._dbus.export(Gio.DBus.session, OBJECT_PATH);
        this._focusSignal = global.display.connect('notify::focus-window', () => this._track());
        this._track();
    }

    disable() {
        // Also on the lock screen (GNOME disables extensions there): nothing is focused then.
        global.display.disconnect(this._focusSignal);
        this._untrack();
        this._dbus.emit_signal('Changed', new GLib.Variant('(s)', ['{}']));
        this._dbus.unexport();
        this._dbus = null;
    }

    Get() {
        return this._describe();
    }

    _describe() {
        const w = global.display.focus_window;
        if (!w)
            return '{}';
        const app = Shell.WindowTracker.get_default().get_window_app(w);
        return JSON.stringify({
            wm_class: w.get_wm_class() || '',
            wm_class_instance: w.get_wm_class_instance() || '',
            app_id: (app && app.get_id()) || w.get_gtk_application_id() || '',
            title: w.get_title() || '',
            pid: w.get_pid(),
            fullscreen: w.is_fullscreen(),
        });
    }

    _untrack() {
        for (const id of this._windowSignals)
            this._window.disconnect(id);
        this._windowSignals = [];
        this._window = null;
    }

    _track() {
        if (this._window)
            this._untrack();
        this._window = global.display.focus_window;
        if (this._window) {
            this._windowSignals = ['notify::title', 'notify::fullscreen'].map(
                name => this._window.connect(name, () => this._emit()));
        }
        this._emit();
    }

    _emit() {
        this._dbus.emit_signal('Changed', new GLib.Variant('(s)', [this._describe()]));
    }
}
