"""`mlscreen demo`: build the screen, submit a sample cohort, grade it and write the report;
then the sample interview panel and its calibration report (`reports/sample-panel/`)."""

from __future__ import annotations

import logging
import shutil

from .course.layout import Course
from .grading.batch import grade_batch
from .grading.report import format_table, write_report
from .interview.sample_panel import write_sample_panel
from .screen.build import build
from .screen.samples import cohort, load_samples, write_submission

_log = logging.getLogger(__name__)


def run_demo(*, course: Course) -> None:
    """The kit's main job on built-in defaults, from nothing to a report."""
    build(course=course)
    candidates = cohort(load_samples(course.samples), course.samples / "cohort.yaml")
    for student, picks in candidates.items():
        shutil.rmtree(course.submitted(student), ignore_errors=True)
        write_submission(course, student, picks)
    _log.info("submitted the sample cohort: %s", ", ".join(candidates))
    summary = grade_batch(course=course, students=list(candidates), force=True)
    report = write_report(course, summary)
    print()
    print(format_table(summary))
    print(f"\nreport: {report}")
    panel = write_sample_panel(course=course)
    print(f"sample interview panel (3 interviewers, 8 candidates), calibration report: {panel}")
