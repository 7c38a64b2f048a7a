"""Lines for the grading summary about what a submission did to its notebook, and how it ran.

nbgrader silently restores edited test cells and changed points, and (with
`OverwriteCells.add_missing_cells`) puts back deleted ones; the grader still deserves to know.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from ..course.cells import is_test_cell, test_cells
from ..sandbox.execute import REPORT_SUFFIX as SANDBOX_REPORT_SUFFIX


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


# errors that mean candidate code ran into a protection of the grading kernel
_CONTAINED = ("MemoryError", "PermissionError", "BlockingIOError", "ConnectionRefusedError")
_CONTAINED_TEXT = ("File too large", "Resource temporarily unavailable", "Operation not permitted",
                   "Network is unreachable", "Connection refused", "unable to open database file")


def _kernel_report(autograded_notebook: Path) -> dict:
    """What the grading sandbox wrote about this notebook's kernel ({} if nothing)."""
    path = autograded_notebook.with_name(autograded_notebook.name + SANDBOX_REPORT_SUFFIX)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return report if isinstance(report, dict) else {}


def _contained(cell_index: int, output: dict) -> str | None:
    ename, evalue = output.get("ename", ""), str(output.get("evalue", ""))
    outside = ename == "FileNotFoundError" and "'/" in evalue and "/mlscreen-kernel-" not in evalue
    if ename in _CONTAINED or outside or any(text in evalue for text in _CONTAINED_TEXT):
        return f"cell {cell_index} raised {ename}: {evalue[:120]}"
    return None


def kernel_problems(autograded_notebook: Path) -> list[str]:
    """A kernel that died or stopped answering, processes left behind, protections hit."""
    name = autograded_notebook.name
    report = _kernel_report(autograded_notebook)
    notes = []
    for key in ("died_in_cell", "stuck_in_cell"):
        if key in report:
            notes.append(f"{name}: {report.get('reason', 'the kernel stopped')} (cell {report[key]}); "
                         "the cells after it were not run and scored 0; the other notebooks are "
                         "graded as usual")
    if report.get("processes_left"):
        notes.append(f"{name}: {report['processes_left']} process(es) started by the candidate's code "
                     "were still running when the notebook ended; all were stopped")
    if report.get("output_cut_in_cells"):
        cells = ", ".join(str(i) for i in report["output_cut_in_cells"][:5])
        notes.append(f"{name}: printed output too large, cut to its first characters (cells {cells})")
    nb = nbformat.read(autograded_notebook, as_version=4)
    hits = [
        hit for index, cell in enumerate(nb.cells) if cell.cell_type == "code" and not is_test_cell(cell)
        for output in cell.get("outputs", []) if output.get("output_type") == "error"
        if (hit := _contained(index, output))
    ]
    if hits:
        notes.append(f"{name}: candidate code ran into the grading sandbox: " + "; ".join(hits[:3])
                     + (f" and {len(hits) - 3} more" if len(hits) > 3 else ""))
    return notes


def run_problems(autograded_notebook: Path) -> list[str]:
    """Cells stopped by the time limit, kernels that died, protections hit, in a graded notebook."""
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
    return notes + kernel_problems(autograded_notebook)
