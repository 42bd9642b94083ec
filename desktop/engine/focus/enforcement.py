"""The window-watcher layer of focus mode: a blocked site or app coming into focus is an
attempt, counted once per arrival, announced to the UI (overlay or notification) and
optionally minimized."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from desktop.engine.focus.blocklist import Blocklist
from desktop.engine.span import Classifier
from desktop.engine.tracker import span_from_observation
from watchers.observation import Observation

log = logging.getLogger(__name__)

MINIMIZE_RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class BlockedAttempt:
    time: float
    session_id: str
    site: str | None
    app: str | None
    reason: str
    count: int  # attempts in this session so far, this one included
    minimized: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Minimizer = Callable[[Observation], bool]


class Enforcer:
    def __init__(self, rules: Classifier | None, *, minimize: bool = False,
                 minimizer: Minimizer | None = None) -> None:
        self.rules = rules
        self.minimize = minimize
        self._minimizer = minimizer or minimize_active_window
        self._last: tuple | None = None
        self._last_blocked = False
        self._minimized_at = 0.0
        self._counts: dict[str, int] = {}

    def reset(self) -> None:
        self._last, self._last_blocked = None, False

    def check(self, session_id: str, blocklist: Blocklist, obs: Observation,
              ) -> BlockedAttempt | None:
        """The attempt `obs` makes, if it shows something blocked that was not in focus at
        the previous check."""
        focused = (obs.pid, obs.app, obs.site, obs.url if obs.site is None else None)
        arrived, self._last = focused != self._last, focused
        if not arrived:
            # Still in focus after a minimize request (a window manager may ignore one sent
            # while it is busy mapping the window): ask again, without counting anew.
            if self._last_blocked and self.minimize and (
                    obs.time - self._minimized_at >= MINIMIZE_RETRY_SECONDS):
                self._minimize(obs)
            return None
        self._last_blocked = False
        if obs.app is None and obs.site is None:
            return None
        classification = None
        if self.rules is not None:
            classification = self.rules.classify(span_from_observation(obs, ""))
        exe = os.path.basename(obs.exe) if obs.exe else None
        reason = blocklist.verdict(site=obs.site, app=obs.app, exe=exe,
                                   classification=classification)
        if reason is None:
            return None
        count = self._counts[session_id] = self._counts.get(session_id, 0) + 1
        self._last_blocked = True
        minimized = self._minimize(obs) if self.minimize else False
        return BlockedAttempt(obs.time, session_id, obs.site, obs.app, reason, count, minimized)

    def _minimize(self, obs: Observation) -> bool:
        self._minimized_at = obs.time
        try:
            return self._minimizer(obs)
        except Exception:  # an OS refusing must not stop the session
            log.exception("could not minimize the blocked window")
            return False


def minimize_active_window(obs: Observation) -> bool:
    """Minimize the focused window (X11: ICCCM WM_CHANGE_STATE; Windows: ShowWindow; macOS:
    hide the app through System Events). False when this session has no way to do it."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        import ctypes

        user32 = ctypes.windll.user32
        return bool(user32.ShowWindow(user32.GetForegroundWindow(), 6))  # SW_MINIMIZE
    if sys.platform == "darwin":  # pragma: no cover - macOS
        if not obs.app:
            return False
        name = obs.app.replace("\\", "\\\\").replace('"', '\\"')
        script = f'tell application "System Events" to set visible of process "{name}" to false'
        return subprocess.run(["osascript", "-e", script], capture_output=True,
                              timeout=5).returncode == 0
    if not os.environ.get("DISPLAY"):
        return False
    from watchers import xproto

    conn = xproto.Connection()
    try:
        active_atom, change_state = conn.intern_atoms(("_NET_ACTIVE_WINDOW", "WM_CHANGE_STATE"))
        active = conn.get_property(conn.root, active_atom, long_length=1).reply().value
        if not active or not active[0]:
            return False
        event = xproto.client_message(active[0], change_state, (3, 0, 0, 0, 0))  # IconicState
        conn.send_event(conn.root, event, xproto.SUBSTRUCTURE_REDIRECT_MASK
                        | xproto.SUBSTRUCTURE_NOTIFY_MASK)
        conn.sync()
        return True
    finally:
        conn.close()
