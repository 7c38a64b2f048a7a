"""`mlscreen demo`: build the screen, submit a sample cohort, grade it and write the report."""

from __future__ import annotations

import shutil

from .build import build
from .course import Course
from .grading import grade_batch
from .report import format_table, write_report
from .samples import cohort, load_samples, write_submission


def run_demo(*, course: Course) -> None:
    """The kit's main job on built-in defaults, from nothing to a report."""
    build(course=course)
    candidates = cohort(load_samples(course.samples), course.samples / "cohort.yaml")
    for student, picks in candidates.items():
        shutil.rmtree(course.submitted(student), ignore_errors=True)
        write_submission(course, student, picks)
    print(f"[demo] submitted the sample cohort: {', '.join(candidates)}", flush=True)
    summary = grade_batch(course=course, students=list(candidates), force=True)
    report = write_report(course, summary)
    print()
    print(format_table(summary))
    print(f"\nreport: {report}")
