"""Batch grading with the real nbgrader: the behaviours of nbgrader 0.9.6 that would lose a grade."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time

import pytest

from mlscreen import Course
from mlscreen.course.nbgrader_run import run_nbgrader
from mlscreen.grading.batch import grade_batch
from mlscreen.screen.samples import load_samples, write_submission

pytestmark = pytest.mark.integration


def _sample(course, notebook, sample_id):
    return next(s for s in load_samples(course.samples) if s.notebook == notebook and s.id == sample_id)


def _first_correct(course, notebook):
    return next(s for s in load_samples(course.samples) if s.notebook == notebook and s.kind == "correct")


def test_unchanged_submissions_are_kept_and_changed_ones_regraded(built_course):
    correct = _first_correct(built_course, "data_cleaning")
    empty = _sample(built_course, "data_cleaning", "empty_stubs")
    write_submission(built_course, "rerun-kept", [correct])
    write_submission(built_course, "rerun-changed", [correct])
    first = grade_batch(course=built_course, students=["rerun-kept", "rerun-changed"])
    # one notebook submitted of three: graded, and said to be incomplete
    assert [r.status for r in first.results] == ["incomplete", "incomplete"]
    full = first.result("rerun-kept").notebook_score("data_cleaning")
    assert full[0] == full[1] > 0

    time.sleep(1.1)  # a resubmission is newer than the graded copy
    write_submission(built_course, "rerun-changed", [empty])
    second = grade_batch(course=built_course, students=["rerun-kept", "rerun-changed"])
    assert second.result("rerun-kept").status == "skipped"
    assert second.result("rerun-kept").notebook_score("data_cleaning") == full, "nothing graded is lost"
    assert second.result("rerun-changed").status == "incomplete"
    assert second.result("rerun-changed").notebook_score("data_cleaning")[0] == 0


def test_nbgrader_finds_alembic_without_the_venv_on_path(built_course, tmp_path, monkeypatch):
    """A new gradebook needs `alembic` on PATH; the kit runs nbgrader from its own environment."""
    course = Course(tmp_path)
    (tmp_path / "nbgrader_config.py").write_text((built_course.root / "nbgrader_config.py").read_text())
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    code, lines = run_nbgrader(course, "db", "student", "add", "someone")
    assert code == 0, "\n".join(lines[-20:])
    assert course.gradebook.exists()
    code, lines = run_nbgrader(course, "db", "student", "list")
    assert code == 0 and any("someone" in line for line in lines), lines


def test_a_gradebook_lock_longer_than_five_seconds_does_not_abort_the_batch(built_course):
    """Another process holds the gradebook locked from the moment the workers start grading
    until well after the grades are ready: the coordinator (its only writer) waits, then saves them."""
    correct = _first_correct(built_course, "inference_pipeline")
    write_submission(built_course, "locked", [correct])
    grading, held, released = threading.Event(), [], []
    hold_for = 10.0  # the notebook runs in about 3 s: the writer then waits about 7 s, over SQLite's default 5

    class GradingStarted(logging.Handler):
        def emit(self, record):
            if record.getMessage().startswith("autograding "):
                grading.set()

    def hold_lock():
        if not grading.wait(120):
            return
        connection = sqlite3.connect(built_course.gradebook, timeout=30)
        connection.execute("BEGIN EXCLUSIVE")
        held.append(time.time())
        time.sleep(hold_for)
        connection.rollback()
        connection.close()
        released.append(time.time())

    logger = logging.getLogger("mlscreen.grading.batch")
    handler, level = GradingStarted(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    locker = threading.Thread(target=hold_lock)
    locker.start()
    try:
        summary = grade_batch(course=built_course, students=["locked"], force=True, workers=1)
    finally:
        grading.set()
        locker.join()
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert held and released, "the lock was taken while the workers were grading"
    saved = built_course.notebook(built_course.autograded("locked"), "inference_pipeline").stat().st_mtime
    assert saved >= released[0] - 0.5, "the grades were saved only once the lock was gone: the writer waited"
    result = summary.result("locked")
    assert result.status != "failed", result.notes
    score, max_score = result.notebook_score("inference_pipeline")
    assert score == max_score > 0


def test_unknown_students_and_missing_release_get_clear_errors(built_course, tmp_path):
    with pytest.raises(ValueError, match="no submission folder for: nobody"):
        grade_batch(course=built_course, students=["nobody"])
    empty = Course(tmp_path)
    (tmp_path / "nbgrader_config.py").write_text("")
    with pytest.raises(FileNotFoundError, match="mlscreen build"):
        grade_batch(course=empty)
    assert os.listdir(tmp_path) == ["nbgrader_config.py"]


def test_an_extra_notebook_is_named_in_the_summary_and_not_graded(built_course):
    correct = _first_correct(built_course, "inference_pipeline")
    folder = write_submission(built_course, "copycat", [correct])
    (folder / "inference_pipeline-Copy1.ipynb").write_bytes((folder / "inference_pipeline.ipynb").read_bytes())
    result = grade_batch(course=built_course, students=["copycat"], force=True).result("copycat")
    assert "not part of the screen, so not graded: inference_pipeline-Copy1.ipynb" in result.notes
    score, max_score = result.notebook_score("inference_pipeline")
    assert score == max_score > 0
