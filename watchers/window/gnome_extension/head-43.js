const {Gio, GLib, Shell} = imports.gi;
