"""Run the real `nbgrader` command for the course, from the environment mlscreen runs in."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from .layout import Course


def nbgrader_env() -> dict[str, str]:
    """The environment with this interpreter's bin folder first on PATH.

    nbgrader calls `alembic` by name when it creates a gradebook and starts kernels by name;
    both must come from the same environment as nbgrader itself.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env.setdefault("PYTHONUNBUFFERED", "1")
    # graders run side by side: one thread per kernel, so their numeric libraries do not fight
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def run_nbgrader(
    course: Course, *args: str, on_line: Callable[[str], None] | None = None
) -> tuple[int, list[str]]:
    """Run `nbgrader <args>` in the course root; return its exit code and its output lines."""
    command = [sys.executable, "-m", "nbgrader", *args]
    lines: list[str] = []
    with subprocess.Popen(
        command, cwd=course.root, env=nbgrader_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            if on_line:
                on_line(line)
    return process.returncode, lines


def release_assignment(course: Course) -> None:
    """Run nbgrader's generate_assignment (forced: a rerun must not be silently skipped)."""
    code, lines = run_nbgrader(course, "generate_assignment", course.assignment, "--force")
    if code != 0:
        raise RuntimeError("nbgrader generate_assignment failed:\n" + "\n".join(lines[-30:]))
