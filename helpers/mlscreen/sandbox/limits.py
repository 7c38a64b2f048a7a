"""The resource limits of a candidate's kernel, from defaults or the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

_MIB = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


@dataclass(frozen=True)
class Limits:
    """Per-kernel limits (each process of the kernel gets them; processes per user, in total)."""

    cpu_seconds: int = 600
    memory_bytes: int = 4096 * _MIB
    processes: int = 48
    file_bytes: int = 256 * _MIB
    open_files: int = 256

    @classmethod
    def from_environment(cls) -> "Limits":
        """Defaults, overridden by MLSCREEN_KERNEL_{CPU_SECONDS,MEMORY_MB,PROCESSES,FILE_MB}."""
        return cls(
            cpu_seconds=_env_int("MLSCREEN_KERNEL_CPU_SECONDS", cls.cpu_seconds),
            memory_bytes=_env_int("MLSCREEN_KERNEL_MEMORY_MB", cls.memory_bytes // _MIB) * _MIB,
            processes=_env_int("MLSCREEN_KERNEL_PROCESSES", cls.processes),
            file_bytes=_env_int("MLSCREEN_KERNEL_FILE_MB", cls.file_bytes // _MIB) * _MIB,
        )

    def rlimits(self, *, limit_processes: bool) -> dict[str, int]:
        """The limits by util-linux `prlimit`'s names (cpu, as, fsize, nofile, core, nproc).

        The process limit counts every process of the kernel's user, so it is set only when
        the kernel has a user of its own (otherwise it would count the grader's processes too).
        """
        limits = {"cpu": self.cpu_seconds, "as": self.memory_bytes, "fsize": self.file_bytes,
                  "nofile": self.open_files, "core": 0}
        if limit_processes:
            limits["nproc"] = self.processes
        return limits

    def prlimit_arguments(self, *, limit_processes: bool) -> list[str]:
        """util-linux `prlimit` options setting these limits on the command it runs."""
        return [f"--{name}={value}" for name, value in self.rlimits(limit_processes=limit_processes).items()]
