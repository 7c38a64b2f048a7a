"""nbgrader configuration of the mlscreen course (the repository root is the course directory).

Every setting here answers a behaviour of nbgrader 0.9.6 that would otherwise lose a grade or a
batch; tests/test_nbgrader_config.py and the integration tests hold them in place.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

_root = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "mlscreen"
c.CourseDirectory.root = _root
# A lock held by another grader must make this one wait, not abort the rest of the batch.
c.CourseDirectory.db_url = f"sqlite:///{os.path.join(_root, 'gradebook.db')}?timeout=60"
# Nothing from authoring or caches is copied into release/ or submissions.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store", "*.bak",
]

# Kernels: a minimal traceback mode (feedback shows no hidden-test source), and the grading
# guard loaded before any candidate code, so hidden tests compare with pristine helpers.
c.Execute.extra_arguments = [
    "--InteractiveShell.xmode=Minimal",
    "--IPKernelApp.exec_lines=import mlscreen.testkit",
    "--IPKernelApp.log_level=ERROR",
]
# Per-cell limit; a loop that ignores SIGINT costs that cell, not the whole student.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.raise_on_iopub_timeout = False
c.Execute.shutdown_kernel = "immediate"

# A test cell the candidate deleted, or whose metadata they stripped, is put back.
c.OverwriteCells.add_missing_cells = True
# Warnings are not failures: stderr that is only warnings does not fail a test cell.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (
    r"(?s)(\[IPKernelApp\] WARNING \| No such comm.*"
    r"|(.*\b\w*Warning\b:.*))"
)
# Huge outputs are cut, not stored.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# Feedback never shows hidden tests (their source or their traceback context).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# The exchange lives inside the course (the default /usr/local/share path does not exist).
c.Exchange.root = os.path.join(_root, "exchange")
c.Exchange.path_includes_course = True
