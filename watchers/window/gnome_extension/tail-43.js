
/** GNOME 43-44: the shell calls init(), then enable() and disable() on what it returns. */
function init() {
    return new FocusedWindowService();
}
