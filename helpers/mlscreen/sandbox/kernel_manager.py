"""A Jupyter kernel manager that starts its kernel inside a jail."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Type

from .jail import Jail
from .kernel_client import PromptKernelClient
from .template import TemplateKernel


class InJail:
    """What a kernel manager does differently when its kernel runs in `self.jail`.

    Mixed into a jupyter_client kernel manager: grading's `JailedKernelManager` and the live
    session's server-side manager (`live.LiveKernelManager`) share it. `use_jail` must be
    called before the kernel's connection file is written.
    """

    jail: Jail
    template: TemplateKernel | None = None  # set: the kernel is forked from it, not started anew

    def use_jail(self, jail: Jail) -> None:
        """Start the kernel in `jail`: with namespaces the kernel has no network, so it talks
        over Unix sockets in the jail's `ipc` folder."""
        self.jail = jail
        if jail.protections.namespaces:
            self.transport = "ipc"
            self.ip = str(jail.ipc_dir / "kernel")
        self.connection_file = str(jail.ipc_dir / "kernel.json")

    @property
    def kernel_spec(self):  # type: ignore[override]
        spec = super().kernel_spec  # type: ignore[misc]
        if spec is not None:  # interrupts go as messages (a signal would have to cross the jail)
            spec.interrupt_mode = "message"
        return spec

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)  # type: ignore[misc]
        if self.jail.user is not None:  # the kernel's own user reads its keys, nobody else
            os.chown(self.connection_file, self.jail.user.uid, self.jail.user.gid)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """ipykernel from this environment inside the jail, whatever the kernel spec says."""
        argv = [self.jail.python, "-m", "ipykernel_launcher", "-f", self.connection_file,
                *(extra_arguments or [])]
        if self.template is not None and self.template.alive:
            return self.template.relay_command(self.jail, argv)
        return self.jail.command(argv, cwd=self.kernel_folder())

    def kernel_folder(self) -> Path:
        """Where the kernel starts (the jail's working folder unless a subclass says otherwise)."""
        return self.jail.workdir

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw["env"] = self.jail.environment()
        kw["cwd"] = str(self.kernel_folder())
        # not JPY_PARENT_PID: the grader's pid means nothing inside the jail's process namespace
        # (the kernel would think its parent gone); bubblewrap's --die-with-parent does that job
        kw["independent"] = True
        kw["stdout"] = subprocess.DEVNULL  # the kernel's banner; its errors still reach stderr
        await super()._async_launch_kernel(kernel_cmd, **kw)  # type: ignore[misc]

    @property
    def exit_code(self) -> int | None:
        """The kernel launcher's exit code once it has ended (None while it runs)."""
        process = getattr(getattr(self, "provisioner", None), "process", None)
        return None if process is None else process.poll()


class JailedKernelManager(InJail, AsyncKernelManager):
    """Starts ipykernel from this environment inside `jail`, whatever the kernel spec says.

    With namespaces the kernel has no network, so it talks over Unix sockets in the jail's
    `ipc` folder; interrupts go as messages (a signal would have to cross the jail). Given a
    `template`, the kernel is a fork of it, in the same jail. Neither its start nor its end
    waits longer than the kernel needs (a batch starts and ends one kernel per notebook).
    """

    client_factory = Type(PromptKernelClient, klass="jupyter_client.asynchronous.AsyncKernelClient")

    def __init__(self, *, jail: Jail, template: TemplateKernel | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.use_jail(jail)
        self.template = template

    async def _async_wait(self, pollinterval: float = 0.01) -> None:
        """Until the ended kernel has exited, looking every 10 ms (jupyter_client's 100 ms is
        most of an immediate shutdown)."""
        await super()._async_wait(pollinterval=pollinterval)
