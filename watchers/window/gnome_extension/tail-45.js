
/** GNOME 45+: the default export is an Extension subclass. */
export default class TimeForgedExtension extends Extension {
    enable() {
        this._service = new FocusedWindowService();
        this._service.enable();
    }

    disable() {
        this._service.disable();
        this._service = null;
    }
}
