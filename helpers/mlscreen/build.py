"""`mlscreen build`: data and model, source notebooks, proof, nbgrader release, leak check."""

from __future__ import annotations

from .course import NOTEBOOKS, Course
from .leakcheck import find_leaks
from .materials import write_materials
from .nbgrader_run import run_nbgrader
from .notebook_text import build_notebook
from .proof import prove_source


def _say(message: str) -> None:
    print(f"[build] {message}", flush=True)


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


def release(course: Course) -> None:
    """Run nbgrader's generate_assignment (forced: a rerun must not be silently skipped)."""
    code, lines = run_nbgrader(course, "generate_assignment", course.assignment, "--force")
    if code != 0:
        raise RuntimeError("nbgrader generate_assignment failed:\n" + "\n".join(lines[-30:]))


def build(*, course: Course, validate: bool = True) -> None:
    """Build the coding screen; raise RuntimeError if the source is unsound or anything leaks."""
    changed = build_source_notebooks(course)
    _say(f"source notebooks: {', '.join(changed) or 'up to date'}")
    written = write_materials(course.source)
    _say(f"data and model: {', '.join(str(p.relative_to(course.source)) for p in written)}")
    if validate:
        _say("proving the source: solutions pass every test, stubs fail every test ...")
        problems = prove_source(course)
        if problems:
            raise RuntimeError("the source notebooks are not sound:\n  " + "\n  ".join(problems))
        _say("source proven")
    _say("nbgrader generate_assignment ...")
    release(course)
    leaks = find_leaks(course)
    if leaks:
        raise RuntimeError("the release leaks secrets; do not hand it out:\n  " + "\n  ".join(leaks))
    _say(f"release ready and leak-free: {course.release.relative_to(course.root)}/")
