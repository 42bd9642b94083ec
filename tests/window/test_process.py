"""The window's process read from /proc answers what psutil answers, for every process of
this machine."""

from __future__ import annotations

import os
import sys

import psutil
import pytest

from watchers.window.process import process_details


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_proc_reads_what_psutil_reads():
    compared = 0
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        try:
            proc = psutil.Process(pid)
            name = proc.name()
            try:
                exe = proc.exe() or None
            except (psutil.Error, OSError):
                exe = None
        except (psutil.Error, OSError):
            continue
        ours = process_details(pid)
        if not psutil.pid_exists(pid):  # gone between the two
            continue
        assert ours == (exe, name), pid
        compared += 1
    assert compared > 5
    assert process_details(None) == (None, None)
    assert process_details(2**22 + 1) == (None, None)
