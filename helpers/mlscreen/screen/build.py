"""`mlscreen build`: data and model, source notebooks, proof, nbgrader release, leak check."""

from __future__ import annotations

import logging

from ..checking import make_secret
from ..course.layout import NOTEBOOKS, Course
from ..course.nbgrader_run import release_assignment
from ..course.secrets import protect_secrets
from .leakcheck import find_leaks
from .materials import write_materials
from .notebook_text import build_notebook
from .proof import prove_source

_log = logging.getLogger(__name__)


def build_source_notebooks(course: Course) -> list[str]:
    """Write `source/<assignment>/*.ipynb` from `authoring/`; return the names that changed."""
    changed = []
    for name in NOTEBOOKS:
        text = course.authoring / f"{name}.py"
        if not text.exists():
            raise FileNotFoundError(f"missing notebook text {text}")
        if build_notebook(text, course.notebook(course.source, name)):
            changed.append(name)
    return changed


def build(*, course: Course, validate: bool = True) -> None:
    """Build the coding screen; raise RuntimeError if the source is unsound or anything leaks."""
    make_secret(course.root)  # the seeds of every fresh case come from it (grader-only, never released)
    changed = build_source_notebooks(course)
    _log.info(f"source notebooks: {', '.join(changed) or 'up to date'}")
    written = write_materials(course.source)
    _log.info(f"data and model: {', '.join(str(p.relative_to(course.source)) for p in written)}")
    if validate:
        _log.info("proving the source: solutions pass every test, stubs fail every test ...")
        problems = prove_source(course)
        if problems:
            raise RuntimeError("the source notebooks are not sound:\n  " + "\n  ".join(problems))
        _log.info("source proven")
    _log.info("nbgrader generate_assignment ...")
    release_assignment(course)
    leaks = find_leaks(course)
    if leaks:
        raise RuntimeError("the release leaks secrets; do not hand it out:\n  " + "\n  ".join(leaks))
    protect_secrets(course)
    _log.info(f"release ready and leak-free: {course.release.relative_to(course.root)}/ "
              "(source/ and the gradebook readable by the grader only)")
