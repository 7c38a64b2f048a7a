"""How nbgrader's Execute uses the checker: one per notebook, told which cell runs, enforcing after it.

Kept here so the Execute preprocessor needs only a few calls (`checker_for`, `Checker.listen`,
`begin`, `enforce`, `close`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .checker import Checker

PROOF_CANDIDATE = "build-proof"


def checker_for(config: Any, resources: dict) -> Checker:
    """The checker of the notebook nbgrader is about to run, from its config and resources.

    The candidate is nbgrader's student id (the build's proof uses its own); the kit's model is
    read from the assignment's source folder (the course's file, never the candidate's copy).
    """
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    info = resources.get("nbgrader") or {}
    folder = Path((resources.get("metadata") or {}).get("path") or ".")
    if info.get("assignment"):
        materials = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"]))
    else:  # validating a notebook in place (the build's proof): its own folder holds the materials
        materials = folder
    root = Path(coursedir.root)
    return Checker.for_notebook(root=root, candidate=str(info.get("student") or PROOF_CANDIDATE),
                                materials=materials)


def owner_of(jail: Any) -> tuple[int, int] | None:
    """Who may open the checker's socket besides the grader: the jail's kernel user, if any."""
    user = getattr(jail, "user", None)
    return None if user is None else (user.uid, user.gid)
