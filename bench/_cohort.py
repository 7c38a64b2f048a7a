"""Shared by the benchmarks: a private, built course copy with the demo cohort submitted."""

from __future__ import annotations

from pathlib import Path

from mlscreen.course import Course
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
