"""Run inside a compositor's session (its source is passed to ``python3 -c``): keeps one
window watcher and one idle source, and answers each stdin line with one JSON line:
``window`` -> [watcher, app, title, pid, fullscreen] (Nones when it cannot tell), ``idle`` ->
[source, seconds], ``counts`` -> [who counts, the counters measured since the last ask]
(idle→active transitions: no hooks run on Wayland). At the end of its input it closes both
watchers, as the app does on exit."""

import json
import os
import sys

from watchers.idle import create_idle_watcher
from watchers.window import WatcherUnavailable, create_window_watcher

try:
    window = create_window_watcher()
except WatcherUnavailable:  # the compositor offers no way: the idle source is still probed
    window = None
idle = create_idle_watcher()
name = window.name if window else None
print(json.dumps([os.getpid(), name, idle.fallback.name if idle.fallback else None,
                  list(idle.warnings)]), flush=True)
for line in sys.stdin:
    if line.strip() == "window":
        try:
            info = window.active_window() if window else None
        except WatcherUnavailable:  # as the poller does: no window this time
            info = None
        answer = [name, *((info.app, info.title, info.pid, info.fullscreen)
                          if info else (None,) * 4)]
    elif line.strip() == "counts":
        answer = [idle.counts_source, idle.take_counts().measured()]
    else:
        answer = [idle.fallback.name, idle.seconds_idle()]
    print(json.dumps(answer), flush=True)
if window:
    window.close()
idle.close()
