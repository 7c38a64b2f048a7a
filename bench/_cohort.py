"""Shared by the benchmarks: a private, built course copy with a cohort submitted, and how a
grading of it is timed and scored."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from mlscreen.course import Course
from mlscreen.course.gradebook import answer_scores
from mlscreen.grading import GradingSummary, grade_batch
from mlscreen.grading.order import cell_seconds
from mlscreen.screen.build import build
from mlscreen.screen.samples import cohort, load_samples, write_submission

ROOT = Path(__file__).resolve().parents[1]


def demo_course(scratch: Path) -> tuple[Course, int]:
    """Build a copy of the course in `scratch`, submit the demo cohort; return it and its notebook count."""
    course = Course(ROOT).copy_to(scratch / "course")
    build(course=course, validate=False)
    candidates = cohort(load_samples(course.samples), course.samples / "cohort.yaml")
    for student, picks in candidates.items():
        write_submission(course, student, picks)
    return course, sum(1 for _ in course.submitted().rglob("*.ipynb"))


def bank_cohort(course: Course, size: int) -> dict[str, list]:
    """`size` candidates from the sample bank: candidate i takes sample i of each notebook, cycling.

    Samples meant to be unreadable or to fail, and tampered ones, are left out, so that every
    way of grading grades every notebook."""
    usable = [s for s in load_samples(course.samples) if s.status == "graded" and not s.tamper]
    by_notebook: dict[str, list] = {}
    for sample in usable:
        by_notebook.setdefault(sample.notebook, []).append(sample)
    return {f"cand-{i:02d}": [picks[i % len(picks)] for picks in by_notebook.values()]
            for i in range(size)}


def bank_course(scratch: Path, size: int) -> tuple[Course, int]:
    """Build a copy of the course in `scratch`, submit `bank_cohort`; return it and its notebook count."""
    course = Course(ROOT).copy_to(scratch / "course")
    build(course=course, validate=False)
    for student, picks in bank_cohort(course, size).items():
        write_submission(course, student, picks)
    return course, sum(1 for _ in course.submitted().rglob("*.ipynb"))


def answer_scores_of(course: Course, students: list[str]) -> dict[tuple[str, str, str], float]:
    """Every answer's score in the gradebook, by (candidate, notebook, answer)."""
    return {(a.student, a.notebook, a.answer): a.score for s in students for a in answer_scores(course, s)}


def cells_seconds(course: Course, students: list[str]) -> float:
    """The cells' own execution time in every autograded notebook of `students`."""
    return sum(cell_seconds(p) for s in students for p in course.autograded(s).glob("*.ipynb"))


class _LastRecorded(logging.Handler):
    """When the engine recorded its last candidate (from its progress lines)."""

    last: float | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("graded candidate "):
            self.last = time.perf_counter()


def timed_grade(course: Course, workers: int | None = None) -> tuple[GradingSummary, float, float]:
    """`mlscreen grade --force`: its summary, seconds until the last candidate was recorded (the
    engine) and seconds of the whole command (with feedback, flags and tables)."""
    span = _LastRecorded()
    logger = logging.getLogger("mlscreen.grading.batch")
    logger.addHandler(span)
    logger.setLevel(logging.INFO)
    try:
        start = time.perf_counter()
        summary = grade_batch(course=course, force=True, workers=workers)
        whole = time.perf_counter() - start
    finally:
        logger.removeHandler(span)
    return summary, (span.last - start if span.last else whole), whole
