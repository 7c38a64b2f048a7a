"""Read scores from nbgrader's gradebook (never write it: nbgrader owns it)."""

from __future__ import annotations

from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry

from .course import Course


@dataclass(frozen=True)
class NotebookScore:
    """One student's autograded result for one notebook."""

    student: str
    notebook: str
    score: float
    max_score: float
    needs_manual_grade: bool


def notebook_scores(course: Course, student: str) -> list[NotebookScore]:
    """Every notebook score of `student` for the course's assignment ([] if not graded yet)."""
    if not course.gradebook.exists():
        return []
    with Gradebook(course.gradebook_url) as gb:
        try:
            submission = gb.find_submission(course.assignment, student)
        except MissingEntry:
            return []
        return [
            NotebookScore(
                student=student,
                notebook=nb.name,
                score=float(nb.score),
                max_score=float(nb.max_score),
                needs_manual_grade=bool(nb.needs_manual_grade),
            )
            for nb in submission.notebooks
        ]
