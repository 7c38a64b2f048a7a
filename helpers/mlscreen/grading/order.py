"""The order candidates are handed to the workers: the longest to grade first, so no long one is left
to run alone at the end of a batch (longest-processing-time-first scheduling).

How long a candidate takes is known only from an earlier grading: the cells' own run time that
nbclient wrote into their autograded notebooks. A candidate never graded counts as the median of
those that were; with nothing known the order is the given one.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import nbformat

from ..course.layout import Course


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
    """The cells' run time of the candidate's last grading, or None if it left no readable notebook."""
    seconds = []
    for notebook in course.autograded(student).glob("*.ipynb"):
        try:
            seconds.append(cell_seconds(notebook))
        except (OSError, ValueError, AttributeError):  # unreadable: as if never graded
            continue
    return sum(seconds) if seconds else None


def longest_first(course: Course, students: list[str]) -> list[str]:
    """`students`, the longest to grade first (stable for equal or unknown times)."""
    known = {s: t for s in students if (t := previous_seconds(course, s)) is not None}
    if not known:
        return list(students)
    typical = statistics.median(known.values())
    return sorted(students, key=lambda s: -known.get(s, typical))
