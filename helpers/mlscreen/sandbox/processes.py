"""Stopping every process a kernel started: by its user, or by its process group."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def _user_processes(uid: int) -> list[int]:
    """Live (not zombie) processes whose real user is `uid`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines()
                          if ":" in line)
            if int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith("Z"):
                pids.append(int(entry.name))
    return pids


def stop_user_processes(uid: int, timeout: float = 10.0) -> int:
    """SIGKILL every process whose real user is `uid` until none is left; return how many."""
    if uid == 0:
        raise ValueError("refusing to stop root's processes")
    stopped: set[int] = set()
    deadline = time.monotonic() + timeout
    while (pids := _user_processes(uid)) and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                stopped.add(pid)
        time.sleep(0.02)
    return len(stopped)


def stop_process_group(pgid: int) -> bool:
    """SIGKILL a process group; False if it was already gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def user_processes_left(uid: int) -> int:
    """How many processes of `uid` are still running."""
    return len(_user_processes(uid))
