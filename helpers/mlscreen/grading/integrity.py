"""Lines for the grading summary about what a submission did to its notebook, and how it ran.

nbgrader silently restores edited test cells and changed points, and (with
`OverwriteCells.add_missing_cells`) puts back deleted ones; the grader still deserves to know.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from ..course.cells import test_cells


def _listed(ids: list[str]) -> str:
    return ", ".join(sorted(ids)[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")


def tampering(release_notebook: Path, submitted_notebook: Path) -> list[str]:
    """What the submission changed in the test cells it was given (empty if nothing)."""
    given = test_cells(nbformat.read(release_notebook, as_version=4))
    got = test_cells(nbformat.read(submitted_notebook, as_version=4))
    name = submitted_notebook.name
    notes = []
    missing = [gid for gid in given if gid not in got]
    edited = [gid for gid in given if gid in got and got[gid].source != given[gid].source]
    points = [
        gid for gid in given
        if gid in got and got[gid].metadata["nbgrader"].get("points") != given[gid].metadata["nbgrader"].get("points")
    ]
    if missing:
        notes.append(f"{name}: test cells deleted or unmarked ({_listed(missing)}); put back before grading")
    if edited:
        notes.append(f"{name}: test cells edited ({_listed(edited)}); restored before grading")
    if points:
        notes.append(f"{name}: points of test cells changed ({_listed(points)}); restored before grading")
    return notes


def run_problems(autograded_notebook: Path) -> list[str]:
    """Cells stopped by the time limit, and outputs cut for size, in a graded notebook."""
    nb = nbformat.read(autograded_notebook, as_version=4)
    stopped = sum(
        1 for cell in nb.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error" and "TimeLimitExceeded" in output.get("ename", "")
    )
    notes = []
    if stopped:
        notes.append(f"{autograded_notebook.name}: {stopped} cell(s) stopped after running over the "
                     "time limit (an endless loop?); those cells scored 0")
    return notes
