"""A live session's kernels in jails: the Jupyter server's kernel manager for a candidate session.

One session (one Jupyter server, one candidate) holds one `LiveSandbox` while it runs: the
protections of this machine, the candidate's workspace, and, as root, one kernel user that all
of the session's kernels share (they work in the same folder). The workspace belongs to that
user while the session runs and to the grader again when it ends, after every process of the
user is stopped. `LiveKernelManager`, set as jupyter_server's
`AsyncMappingKernelManager.kernel_manager_class`, starts each kernel the server asks for
inside a jail of that sandbox (`jail.open_jail(workdir=..., user=...)`), whatever kernel spec
the page chose, and refuses to start one when no sandbox is open: a session fails closed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

from .jail import Jail, chown_tree, open_jail
from .kernel_manager import InJail
from .limits import Limits
from .policy import Protections, detect
from .users import KernelUser, kernel_user

_log = logging.getLogger(__name__)

# A live kernel runs for the whole interview (60-75 minutes planned), not one notebook's grading:
# its CPU time is limited to four hours unless MLSCREEN_KERNEL_CPU_SECONDS says otherwise, and the
# process limit counts the threads of every kernel of the session, which share one user.
LIVE_CPU_SECONDS = 4 * 3600
LIVE_PROCESSES = 192
_current: LiveSandbox | None = None


def live_limits() -> Limits:
    """The limits of a live session's kernels (the environment's overrides still apply)."""
    limits = Limits.from_environment()
    changes: dict[str, int] = {}
    if not os.environ.get("MLSCREEN_KERNEL_CPU_SECONDS"):
        changes["cpu_seconds"] = LIVE_CPU_SECONDS
    if not os.environ.get("MLSCREEN_KERNEL_PROCESSES"):
        changes["processes"] = LIVE_PROCESSES
    return dataclasses.replace(limits, **changes)


class LiveSandbox:
    """What a session's server holds while it runs: protections, workspace, kernel user, jails."""

    def __init__(self, workspace: Path, protections: Protections | None = None,
                 limits: Limits | None = None) -> None:
        self.workspace = Path(workspace)
        self.protections = protections or detect()
        self.limits = limits or live_limits()
        self.user: KernelUser | None = None
        self._stack = contextlib.ExitStack()
        self._jails: dict[int, contextlib.ExitStack] = {}

    def open(self) -> LiveSandbox:
        """Take a kernel user (as root) and hand it the workspace; nothing runs as it yet."""
        if not self.workspace.is_dir() or self.workspace.is_symlink():
            raise FileNotFoundError(f"no workspace folder at {self.workspace}")
        if self.protections.enabled and self.protections.own_user:
            # last out: the workspace goes back to the grader once the user's processes are gone
            self._stack.callback(chown_tree, self.workspace, os.geteuid(), os.getegid())
            self.user = self._stack.enter_context(kernel_user())
            chown_tree(self.workspace, self.user.uid, self.user.gid)
            os.chmod(self.workspace, 0o700)
        return self

    def close(self) -> None:
        """Close every jail still open, stop every process of the user, give the folder back."""
        for key in list(self._jails):
            self._jails.pop(key).close()
        self._stack.close()

    def open_jail(self) -> tuple[Jail, contextlib.ExitStack]:
        """A jail for one kernel of the session, working in the workspace; close the stack to end it.

        With the sandbox off (`mlscreen lab --unprotected`) the jail wraps nothing: the kernel
        still starts in the workspace with a clean environment, and nothing more.
        """
        stack = contextlib.ExitStack()
        jail = stack.enter_context(open_jail(protections=self.protections, workdir=self.workspace,
                                             user=self.user, limits=self.limits))
        self._jails[id(stack)] = stack
        return jail, stack

    def release(self, stack: contextlib.ExitStack) -> None:
        """End one kernel's jail (its scratch folder); the session's user stays held."""
        if self._jails.pop(id(stack), None) is not None:
            stack.close()


def start(workspace: Path, protections: Protections | None = None) -> LiveSandbox:
    """Open this server's sandbox (one per process); `LiveKernelManager` starts kernels in it."""
    global _current
    if _current is not None:
        raise RuntimeError("this server already holds a live sandbox")
    _current = LiveSandbox(workspace, protections).open()
    return _current


def stop() -> None:
    """Close this server's sandbox, if one is open."""
    global _current
    sandbox, _current = _current, None
    if sandbox is not None:
        sandbox.close()


def current() -> LiveSandbox | None:
    return _current


class LiveKernelManager(InJail, ServerKernelManager):
    """A jupyter_server kernel manager whose kernel runs in a jail of the session's sandbox.

    The jail is opened at the first start and kept across restarts (a restart reuses the same
    scratch folder and sockets); a shutdown that is not a restart closes it.
    """

    _jail_stack: contextlib.ExitStack | None = None
    _start_cwd: str | None = None

    async def _async_pre_start_kernel(self, **kw: Any):  # type: ignore[override]
        if self._jail_stack is None:
            sandbox = current()
            if sandbox is None:
                raise RuntimeError("no live sandbox is open in this server: refusing to start a "
                                   "kernel outside a jail")
            jail, self._jail_stack = sandbox.open_jail()
            self.use_jail(jail)
        self._start_cwd = kw.get("cwd")
        return await super()._async_pre_start_kernel(**kw)

    def kernel_folder(self) -> Path:
        """The notebook's folder when it is inside the workspace, else the workspace."""
        return self.jail.start_folder(Path(self._start_cwd) if self._start_cwd else None)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._close_jail()

    def _close_jail(self) -> None:
        stack, self._jail_stack = self._jail_stack, None
        sandbox = current()
        if stack is not None:
            if sandbox is not None:
                sandbox.release(stack)
            else:
                stack.close()
