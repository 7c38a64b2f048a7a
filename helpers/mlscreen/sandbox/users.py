"""Dedicated unprivileged users for kernels, one per concurrent kernel, created on first use.

Each kernel that runs at the same time gets a user of its own (a slot, held by a file lock),
so a process limit or a fork bomb in one kernel never counts against another's.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .processes import stop_user_processes

USER_PREFIX = "mlscreen-kernel"
SLOTS = 16
LOCK_DIR = Path(os.environ.get("MLSCREEN_SANDBOX_LOCKS", "/run/mlscreen-sandbox"))


@dataclass(frozen=True)
class KernelUser:
    """A system user with no home, no shell and no groups besides its own."""

    name: str
    uid: int
    gid: int


def ensure_user(name: str) -> KernelUser:
    """The system user `name`, created (as root) if it does not exist yet."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        result = subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", "--comment", "mlscreen candidate kernel", name],
            capture_output=True, text=True, check=False,
        )
        if result.returncode not in (0, 9):  # 9: created meanwhile by another grader
            raise RuntimeError(f"could not create the sandbox user {name}: {result.stderr.strip()}")
        entry = pwd.getpwnam(name)
    return KernelUser(name=entry.pw_name, uid=entry.pw_uid, gid=entry.pw_gid)


@contextlib.contextmanager
def kernel_user(wait_seconds: float = 600.0) -> Iterator[KernelUser]:
    """Hold a free kernel user for the duration; every process it left is stopped on release."""
    LOCK_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        for slot in range(SLOTS):
            handle = open(LOCK_DIR / f"slot-{slot}.lock", "a+")  # noqa: SIM115 - held below
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                user = ensure_user(f"{USER_PREFIX}{slot}")
                stop_user_processes(user.uid)  # anything a crashed grader left behind
                yield user
            finally:
                stop_user_processes(user.uid)
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"all {SLOTS} sandbox users stayed busy for {wait_seconds:g} s")
        time.sleep(0.2)
