"""Secrets at rest: what holds solutions or hidden tests is readable by the grader alone.

Source notebooks (solutions and hidden tests), the gradebook (every test's source),
`autograded/` (graded notebooks carry the hidden tests), the candidates' submissions and the
course secret the fresh cases are seeded from.
The build and every grading run set these modes; a kernel running as another user cannot
open them even where the course directory is visible to it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..checking import secret_path
from .layout import Course


def _grader_only(path: Path) -> None:
    """Mode 0700 on folders and 0600 on files, through the whole tree under `path`."""
    if not path.exists():
        return
    if path.is_file():
        os.chmod(path, 0o600)
        return
    for dirpath, dirnames, filenames in os.walk(path):
        os.chmod(dirpath, 0o700)
        for name in filenames:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(os.path.join(dirpath, name), 0o600, follow_symlinks=False)


def secret_paths(course: Course) -> list[Path]:
    """Every place under the course that a candidate must never read."""
    return [course.root / "source", course.gradebook, course.root / "autograded",
            course.root / "submitted", course.root / "gradebook.db-journal", secret_path(course.root).parent]


def protect_secrets(course: Course) -> None:
    """Make every secret of the course readable by the grader only."""
    for path in secret_paths(course):
        _grader_only(path)
