"""The nbgrader settings of the course: the one source `nbgrader_config.py` and the kit both read.

Every setting answers a behaviour of nbgrader 0.9.6 that would otherwise lose a grade or a
batch; `tests/test_nbgrader_settings.py` and the integration tests hold them in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .layout import Course

# How every grading kernel starts: a minimal traceback mode (feedback shows no hidden-test
# source), and the grading guard loaded before any candidate code, so hidden tests compare
# with pristine helpers.
KERNEL_ARGUMENTS = (
    "--InteractiveShell.xmode=Minimal",
    "--IPKernelApp.exec_lines=import mlscreen.kernel.testkit",
    "--IPKernelApp.log_level=ERROR",
)
# Per-cell limit of nbclient; the testkit stops each cell sooner (MLSCREEN_CELL_LIMIT).
CELL_TIMEOUT_SECONDS = 30

# stderr that is only warnings (or a comm the kernel never opened) does not fail a test cell
IGNORED_STDERR = (
    r"(?s)(\[IPKernelApp\] WARNING \| No such comm.*"
    r"|(.*\b\w*Warning\b:.*))"
)
FEEDBACK_PREPROCESSORS = (
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
)
# nbgrader's autograde steps, with its Execute replaced by the kit's: each kernel in a jail
# (mlscreen.sandbox), and a kernel that dies costing only its own notebook.
AUTOGRADE_PREPROCESSORS = (
    "mlscreen.sandbox.execute.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
)
IGNORED_FILES = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store", "*.bak")


def configure(c: Any, root: Path) -> None:
    """Apply the course's settings to nbgrader's config object `c` (from `get_config()`)."""
    course = Course(Path(root))
    c.CourseDirectory.course_id = "mlscreen"
    c.CourseDirectory.root = str(course.root)
    # A lock held by another grader must make this one wait, not abort the rest of the batch.
    c.CourseDirectory.db_url = course.gradebook_url
    # Nothing from authoring or caches is copied into release/ or submissions.
    c.CourseDirectory.ignore = list(IGNORED_FILES)

    c.Execute.extra_arguments = list(KERNEL_ARGUMENTS)
    # A loop that ignores SIGINT costs that cell, not the whole student.
    c.Execute.timeout = CELL_TIMEOUT_SECONDS
    c.Execute.interrupt_on_timeout = True
    c.Execute.raise_on_iopub_timeout = False
    c.Execute.shutdown_kernel = "immediate"
    c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)

    # A test cell the candidate deleted, or whose metadata they stripped, is put back.
    c.OverwriteCells.add_missing_cells = True
    # Warnings are not failures.
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = IGNORED_STDERR
    # Huge outputs are cut, not stored.
    c.LimitOutput.max_lines = 200
    c.LimitOutput.max_traceback = 40

    # Feedback never shows hidden tests (their source or their traceback context).
    c.GenerateFeedback.preprocessors = list(FEEDBACK_PREPROCESSORS)

    # The exchange lives inside the course (the default /usr/local/share path does not exist).
    c.Exchange.root = str(course.root / "exchange")
    c.Exchange.path_includes_course = True
