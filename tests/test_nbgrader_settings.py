"""nbgrader, loading the course's `nbgrader_config.py` itself, really runs with the kit's settings.

`mlscreen.course.settings` says what each setting is for; this test starts nbgrader's own
`autograde` application in a course copy (as `nbgrader autograde coding` does: the config file
is found in the working directory) and asks nbgrader's classes what they ended up with, so a
misspelt trait or a config file that is not loaded fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from mlscreen import Course
from mlscreen.course.settings import CELL_TIMEOUT_SECONDS, KERNEL_ARGUMENTS
from mlscreen.kernel import testkit

REPO = Path(__file__).resolve().parents[1]

_PROBE = r"""
import json, nbformat
from nbgrader.apps.autogradeapp import AutogradeApp
from nbgrader.apps.generatefeedbackapp import GenerateFeedbackApp
from nbgrader.preprocessors import Execute, IgnorePattern, LimitOutput, OverwriteCells

app = AutogradeApp()
app.initialize([])
execute = Execute(parent=app)
ignore = IgnorePattern(parent=app)
cell = nbformat.v4.new_code_cell("x")
cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=text) for text in json.loads(input())]
kept = [o.text for o in ignore.preprocess_cell(cell, {}, 0)[0].outputs] if ignore.enabled else None
feedback = GenerateFeedbackApp()
feedback.initialize([])
print(json.dumps({
    "config_files": [str(p) for p in app.loaded_config_files],
    "root": app.coursedir.root, "course_id": app.coursedir.course_id, "db_url": app.coursedir.db_url,
    "timeout": execute.timeout, "interrupt_on_timeout": execute.interrupt_on_timeout,
    "raise_on_iopub_timeout": execute.raise_on_iopub_timeout, "extra_arguments": list(execute.extra_arguments),
    "add_missing_cells": OverwriteCells(parent=app).add_missing_cells,
    "max_lines": LimitOutput(parent=app).max_lines, "kept_stderr": kept,
    "feedback_preprocessors": [str(p) for p in feedback.config.GenerateFeedback.preprocessors],
    "exchange_root": app.config.Exchange.root,
}))
"""

WARNING = "/x/site-packages/pandas/core/frame.py:12: Pandas4Warning: select_dtypes(include='object')\n"
SKLEARN = "/x/sklearn/linear_model/_logistic.py:1: FutureWarning: 'penalty' was deprecated in version 1.8\n"
ERROR = "Traceback (most recent call last):\n  File \"<x>\", line 1\nValueError: a real failure\n"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    course = Course(REPO).copy_to(tmp_path_factory.mktemp("settings") / "course")
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=course.root, input=json.dumps([WARNING, SKLEARN, ERROR]),
        capture_output=True, text=True, timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    return course, json.loads(probe.stdout.strip().splitlines()[-1])


def test_nbgrader_finds_the_course_config_in_the_course_directory(loaded):
    course, seen = loaded
    assert str(course.root / "nbgrader_config.py") in seen["config_files"]
    assert seen["root"] == str(course.root) and seen["course_id"] == "mlscreen"


def test_a_lock_held_by_another_grader_is_waited_for(loaded):
    course, seen = loaded
    url = urlparse(seen["db_url"])
    assert url.path.endswith(str(course.gradebook)), seen["db_url"]
    assert float(parse_qs(url.query)["timeout"][0]) >= 30, "SQLite's default 5 s aborts a batch"


def test_kernels_start_with_the_grading_guard_and_a_per_cell_timeout_that_survives_sigint(loaded):
    _, seen = loaded
    assert seen["extra_arguments"] == list(KERNEL_ARGUMENTS)
    assert "--IPKernelApp.exec_lines=import mlscreen.kernel.testkit" in seen["extra_arguments"]
    assert "--InteractiveShell.xmode=Minimal" in seen["extra_arguments"], "no hidden source in tracebacks"
    assert seen["timeout"] == CELL_TIMEOUT_SECONDS > testkit.CELL_LIMIT_SECONDS, (
        "the testkit stops a cell before nbgrader gives up on the kernel")
    assert seen["interrupt_on_timeout"] is True and seen["raise_on_iopub_timeout"] is False


def test_deleted_test_cells_are_put_back_and_outputs_cut(loaded):
    _, seen = loaded
    assert seen["add_missing_cells"] is True
    assert 0 < seen["max_lines"] <= 1000


def test_warnings_on_stderr_are_ignored_and_errors_are_not(loaded):
    _, seen = loaded
    assert seen["kept_stderr"] == [ERROR]


def test_feedback_clears_hidden_tests_and_the_exchange_lives_in_the_course(loaded):
    course, seen = loaded
    assert "nbgrader.preprocessors.ClearHiddenTests" in seen["feedback_preprocessors"]
    assert "nbgrader.preprocessors.GetGrades" in seen["feedback_preprocessors"]
    assert seen["exchange_root"].startswith(str(course.root))

