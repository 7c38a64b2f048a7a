"""A Jupyter kernel manager that starts its kernel inside a jail."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from .jail import Jail


class JailedKernelManager(AsyncKernelManager):
    """Starts ipykernel from this environment inside `jail`, whatever the kernel spec says.

    With namespaces the kernel has no network, so it talks over Unix sockets in the jail's
    `ipc` folder; interrupts go as messages (a signal would have to cross the jail).
    """

    def __init__(self, *, jail: Jail, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jail = jail
        if jail.protections.namespaces:
            self.transport = "ipc"
            self.ip = str(jail.ipc_dir / "kernel")
        self.connection_file = str(jail.ipc_dir / "kernel.json")

    @property
    def kernel_spec(self):  # type: ignore[override]
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.jail.user is not None:  # the kernel's own user reads its keys, nobody else
            os.chown(self.connection_file, self.jail.user.uid, self.jail.user.gid)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        argv = [self.jail.python, "-m", "ipykernel_launcher", "-f", self.connection_file,
                *(extra_arguments or [])]
        return self.jail.command(argv)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw["env"] = self.jail.environment()
        kw["cwd"] = str(self.jail.workdir)
        # not JPY_PARENT_PID: the grader's pid means nothing inside the jail's process namespace
        # (the kernel would think its parent gone); bubblewrap's --die-with-parent does that job
        kw["independent"] = True
        kw["stdout"] = subprocess.DEVNULL  # the kernel's banner; its errors still reach stderr
        await super()._async_launch_kernel(kernel_cmd, **kw)

    @property
    def exit_code(self) -> int | None:
        """The kernel launcher's exit code once it has ended (None while it runs)."""
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()
