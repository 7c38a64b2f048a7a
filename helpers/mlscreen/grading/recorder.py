"""The one writer of the real gradebook: a worker's `CandidateRun` recorded once, in full.

Only the coordinator of a batch calls this, so parallel workers never contend on one SQLite
file (nbgrader #174). Grades go in through nbgrader's own `Gradebook` API, as its
`SaveAutoGrades` would write them, then the autograded folder is written. The first run of a
candidate wins: a duplicate (a task retried after its worker died) is ignored.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from nbgrader.api import Gradebook

from ..course.layout import Course
from ..course.settings import IGNORED_FILES
from .outcome import CandidateRun


def _write_grades(course: Course, run: CandidateRun) -> None:
    assignment, student = course.assignment, run.student
    with Gradebook(course.gradebook_url) as gb:
        gb.update_or_create_student(student)
        if run.timestamp is not None:
            gb.update_or_create_submission(assignment, student, timestamp=run.timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
        for nb in run.notebooks:
            for grade_id, score in nb.grades.items():
                grade = gb.find_grade(grade_id, nb.name, assignment, student)
                grade.auto_score = score
                # as SaveAutoGrades: a grader's earlier manual score, or no auto score, needs review
                grade.needs_manual_grade = grade.manual_score is not None or score is None
            for grade_id, text in nb.comments.items():
                gb.find_comment(grade_id, nb.name, assignment, student).auto_comment = text
            notebook = gb.find_submission_notebook(nb.name, assignment, student)
            notebook.late_submission_penalty = nb.late_penalty
        gb.db.commit()


def _write_folder(course: Course, run: CandidateRun) -> None:
    """autograded/<student>/<assignment>/: the course's source files, then the worker's files."""
    folder = course.autograded(run.student)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(course.source, folder, ignore=shutil.ignore_patterns("*.ipynb", *IGNORED_FILES))
    for name, data in run.files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            continue
        target: Path = folder.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


class Recorder:
    """Records each candidate's run once; remembers who is recorded."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.recorded: set[str] = set()

    def record(self, run: CandidateRun) -> bool:
        """Write `run` to the gradebook and `autograded/`; False if this candidate was recorded."""
        if run.student in self.recorded:
            return False
        if run.success:
            _write_grades(self.course, run)
            _write_folder(self.course, run)
        else:  # as nbgrader does for a failed candidate: no graded folder left behind
            shutil.rmtree(self.course.autograded(run.student), ignore_errors=True)
        self.recorded.add(run.student)
        return True
