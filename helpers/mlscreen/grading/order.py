"""How long each candidate of a batch is expected to take, from their last grading: the engine hands
out the longest first (longest-processing-time-first, so no long one is left to run alone at the
end of a batch) and weights its ETA by it.

A candidate's expected time is their cells' own run time, which nbclient wrote into their
autograded notebooks, plus what a worker spends on each notebook beyond its cells. A candidate
never graded counts as the median of those that were; with nothing known there is no estimate.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import nbformat

from ..course.layout import Course

# what a worker spends on a notebook beyond its cells: kernel start, nbgrader's own steps
# (about 1.5-2 s on a 2-core machine, bench/grading_engine.py)
WORKER_SECONDS_PER_NOTEBOOK = 1.5


def cell_seconds(notebook: Path) -> float:
    """The cells' own execution time in an executed notebook (nbclient's `execution` timing)."""
    total = 0.0
    for cell in nbformat.read(notebook, as_version=4).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            total += (_time(end) - _time(start)).total_seconds()
    return total


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def previous_seconds(course: Course, student: str) -> float | None:
    """The candidate's last grading time (cells, plus a worker's own cost per notebook), or None
    if it left no readable notebook."""
    seconds = []
    for notebook in course.autograded(student).glob("*.ipynb"):
        try:
            seconds.append(cell_seconds(notebook) + WORKER_SECONDS_PER_NOTEBOOK)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):  # unreadable: as if never graded
            continue
    return sum(seconds) if seconds else None


def expected_seconds(course: Course, students: list[str]) -> dict[str, float] | None:
    """Each candidate's expected grading time from their last grading, or None if none was graded."""
    known = {s: t for s in students if (t := previous_seconds(course, s)) is not None}
    if not known:
        return None
    typical = statistics.median(known.values())
    return {s: known.get(s, typical) for s in students}


def longest_first(students: list[str], expected: dict[str, float] | None) -> list[str]:
    """`students`, the longest expected first (stable for equal times; as given with no estimate)."""
    if not expected:
        return list(students)
    return sorted(students, key=lambda s: -expected.get(s, 0.0))
