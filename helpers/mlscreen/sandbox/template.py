"""The template kernel, host side: started once per grading process, forking each jailed kernel.

A plain jailed kernel starts a new Python that imports ipykernel, numpy, pandas and
scikit-learn: about 1.5 s of CPU per notebook. The template (`mlscreen.kernel.template`) does
that once; each kernel is then a fork of it that enters its own jail. The jail is the same as
`Jail.command` gives (namespaces, a view of its own jail folder only, limits, the kernel user),
so it is offered only where every one of those protections is on (root with bubblewrap); else
kernels start the plain way. The Jupyter kernel manager starts `relay.py` in the kernel's
place (see there).
"""

from __future__ import annotations

import atexit
import json
import logging
import select
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..kernel.template import SELF_MOUNT
from .jail import Jail, parents, scratch_base, system_mounts
from .limits import Limits
from .policy import Protections

_log = logging.getLogger(__name__)
RELAY = Path(__file__).with_name("relay.py")
START_SECONDS = 120


class TemplateKernel:
    """A running template process and how to ask it for a kernel."""

    def __init__(self, protections: Protections, limits: Limits) -> None:
        self.protections, self.limits = protections, limits
        self.folder = Path(tempfile.mkdtemp(prefix="mlscreen-template-", dir=scratch_base()))
        self.socket = self.folder / "template.sock"
        scratch = scratch_base()  # every kernel jail, and this template's own folder
        made: set[str] = set()
        # not --die-with-parent (it follows the starting thread): the template ends when its stdin closes
        command = system_mounts(limits, made, die_with_parent=False)
        command += parents(scratch, made) + ["--bind", str(scratch), str(scratch)]
        command += ["--dir", "/run", "--dir", SELF_MOUNT, "--cap-add", "ALL", "--chdir", "/"]
        place = Jail(root=self.folder, protections=protections, limits=limits)
        command += ["--", place.python, "-m", "mlscreen.kernel.template", str(self.socket)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env=place.environment(), cwd="/")
        ready, _, _ = select.select([self.process.stdout], [], [], START_SECONDS)
        line = self.process.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            self.close()
            raise RuntimeError(f"the template kernel did not start (exit code {self.process.poll()})")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def relay_command(self, jail: Jail, kernel_argv: list[str]) -> list[str]:
        """What the kernel manager runs for a kernel in `jail` (`kernel_argv`: python -m
        ipykernel_launcher ...): the relay, whose request carries the jail's settings."""
        assert jail.user is not None, "the template forks kernels only for a kernel user"
        limits = jail.limits
        request = {
            "root": str(jail.root), "scratch": str(scratch_base()), "uid": jail.user.uid,
            "gid": jail.user.gid, "tmp_bytes": limits.file_bytes * 2,
            "limits": limits.rlimits(limit_processes=True),
            "argv": list(kernel_argv[3:]),
        }
        return [sys.executable, "-I", "-S", str(RELAY), str(self.socket), json.dumps(request)]

    def close(self) -> None:
        """Stop the template; it kills any kernel it still has."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_shared: dict[tuple, TemplateKernel] = {}
_lock = threading.Lock()
_failed: set[tuple] = set()


def usable(protections: Protections) -> bool:
    """Whether kernels forked from a template get every protection a plain jailed kernel gets."""
    return protections.enabled and protections.namespaces and protections.own_user and protections.limits


def shared_template(protections: Protections, limits: Limits) -> TemplateKernel | None:
    """This process's template kernel (started on first use, again if it died), or None."""
    if not usable(protections):
        return None
    key = (protections, limits, str(scratch_base()))
    with _lock:
        template = _shared.get(key)
        if template is not None and template.alive:
            return template
        if key in _failed:
            return None
        try:
            _shared[key] = template = TemplateKernel(protections, limits)
        except (OSError, RuntimeError) as error:
            _failed.add(key)
            _log.warning("kernels start the plain way: %s", error)
            return None
        if len(_shared) == 1:
            atexit.register(close_templates)
        return template


def close_templates() -> None:
    """Stop every template this process started."""
    with _lock:
        for template in _shared.values():
            template.close()
        _shared.clear()
