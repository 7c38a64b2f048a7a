"""Which protections this machine gives a candidate's kernel, and the one line that says so."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

# MLSCREEN_SANDBOX: "on" (default: every protection this machine allows), "no-namespaces" (as
# inside a container that refuses them), or "off" (the plain nbgrader way, for comparison only)
SWITCH = "MLSCREEN_SANDBOX"
MODES = ("on", "no-namespaces", "off")


@dataclass(frozen=True)
class Protections:
    """What a jailed kernel gets here. Each flag is a protection that is on."""

    enabled: bool
    namespaces: bool  # own mount, network and process namespaces (bubblewrap)
    own_user: bool  # a dedicated unprivileged user (needs root)
    limits: bool  # CPU, memory, file size, open files (and processes with own_user)
    why_no_namespaces: str = ""
    why_no_user: str = ""

    def summary(self) -> str:
        """One line for the start of a grading run: what is on, what is off, how to turn it on."""
        if not self.enabled:
            return (f"sandbox: OFF ({SWITCH}=off): candidate code runs with the grader's rights, "
                    "next to the gradebook; unset it to grade safely")
        on, off = [], []
        (on if self.own_user else off).append("an unprivileged user of its own")
        (on if self.namespaces else off).append(
            "no course directory, no network, no other processes in reach")
        (on if self.limits else off).append("CPU, memory, process and file-size limits")
        if self.own_user or self.namespaces:
            on.append("a scratch folder, every process it started stopped after each notebook")
        else:
            on.append("a scratch folder, its process group stopped after each notebook")
            off.append("stopping processes that detach themselves")
        line = "sandbox: each kernel runs with " + "; ".join(on)
        if off:
            hints = []
            if not self.own_user:
                hints.append(self.why_no_user or "run grading as root for the unprivileged user")
            if not self.namespaces:
                hints.append(f"namespaces unavailable ({self.why_no_namespaces}); install "
                             "bubblewrap, or allow user namespaces in the container")
            line += ". OFF: " + "; ".join(off) + " (" + "; ".join(hints) + ")"
        return line


def is_root() -> bool:
    return os.geteuid() == 0


@functools.cache
def _namespaces_work() -> tuple[bool, str]:
    """Whether bubblewrap can make the namespaces a jail needs, on this machine, now."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False, "bubblewrap (bwrap) is not installed"
    command = [bwrap, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "--unshare-ipc"]
    if not is_root():
        command.append("--unshare-user")
    command += ["--", "true"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"bwrap could not run: {err}"
    if result.returncode != 0:
        return False, (result.stderr.strip().splitlines() or ["bwrap failed"])[-1][:160]
    return True, ""


@functools.cache
def _python_usable_by_others() -> tuple[bool, str]:
    """Whether an unprivileged user can run this Python and import the kernel's modules
    (it cannot when the interpreter or the venv lives under a private home such as /root)."""
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
               sys.executable, "-c", "import mlscreen.kernel.testkit"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False,
                                cwd="/")
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, str(err)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["failed"])[-1][:160]
        return False, f"this Python environment is not readable by another user ({last})"
    return True, ""


def detect() -> Protections:
    """The protections available to a kernel started by this process."""
    mode = os.environ.get(SWITCH, "").strip().lower() or "on"
    if mode not in MODES:
        raise ValueError(f"{SWITCH}={mode!r}: use one of {', '.join(MODES)}")
    if mode == "off":
        return Protections(enabled=False, namespaces=False, own_user=False, limits=False)
    namespaces, why = _namespaces_work()
    if mode == "no-namespaces":
        namespaces, why = False, f"{SWITCH}=no-namespaces"
    own_user = is_root() and shutil.which("setpriv") is not None and shutil.which("useradd") is not None
    why_no_user = "" if own_user else "run grading as root for the unprivileged user"
    if own_user and not namespaces:  # without a mount namespace the kernel needs the real paths
        own_user, why_no_user = _python_usable_by_others()
    limits = shutil.which("prlimit") is not None
    return Protections(enabled=True, namespaces=namespaces, own_user=own_user, limits=limits,
                       why_no_namespaces=why, why_no_user=why_no_user)
