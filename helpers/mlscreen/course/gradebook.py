"""Read scores from nbgrader's gradebook (never write it: nbgrader owns it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry, SubmittedAssignment

from .layout import Course


@contextmanager
def _submission(course: Course, student: str) -> Iterator[SubmittedAssignment | None]:
    """The student's submission in an open gradebook, or None when there is none yet."""
    if not course.has_gradebook:
        yield None
        return
    with Gradebook(course.gradebook_url) as gb:
        try:
            submission = gb.find_submission(course.assignment, student)
        except MissingEntry:
            submission = None
        yield submission


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
    with _submission(course, student) as submission:
        if submission is None:
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


@dataclass(frozen=True)
class AnswerScore:
    """One student's autograded points for one answer name (all its test cells together)."""

    student: str
    notebook: str
    answer: str
    score: float
    max_score: float
    needs_manual_grade: bool
    written: bool = False  # a prose answer graded by hand, not by tests


def answer_name(grade_id: str) -> str:
    """The answer a test cell grades: test ids are `<answer>__<aspect>`."""
    return grade_id.split("__", 1)[0]


def answer_scores(course: Course, student: str) -> list[AnswerScore]:
    """Points per answer name for every graded notebook of `student` ([] if not graded)."""
    with _submission(course, student) as submission:
        if submission is None:
            return []
        totals: dict[tuple[str, str], list[float | bool]] = {}
        for nb in submission.notebooks:
            for grade in nb.grades:
                key = (nb.name, answer_name(grade.name))
                entry = totals.setdefault(key, [0.0, 0.0, False, False])
                entry[0] += float(grade.score or 0.0)
                entry[1] += float(grade.max_score or 0.0)
                entry[2] = bool(entry[2] or grade.needs_manual_grade)
                entry[3] = bool(entry[3] or grade.cell.cell_type == "markdown")
        return [
            AnswerScore(student, notebook, answer, score, max_score, manual, written)
            for (notebook, answer), (score, max_score, manual, written) in sorted(totals.items())
        ]


def assignment_answers(course: Course) -> list[tuple[str, str, float, bool]]:
    """(notebook, answer, max points, written) for every answer of the assignment."""
    if not course.has_gradebook:
        return []
    with Gradebook(course.gradebook_url) as gb:
        try:
            assignment = gb.find_assignment(course.assignment)
        except MissingEntry:
            return []
        totals: dict[tuple[str, str], tuple[float, bool]] = {}
        for nb in assignment.notebooks:
            for cell in nb.grade_cells:
                key = (nb.name, answer_name(cell.name))
                points, written = totals.get(key, (0.0, False))
                totals[key] = (points + float(cell.max_score), written or cell.cell_type == "markdown")
        return [(nb, answer, points, written) for (nb, answer), (points, written) in sorted(totals.items())]


def notebook_totals(scores: list[NotebookScore]) -> tuple[float, float, bool]:
    """(score, max_score, whether any notebook still needs a manual grade) over `scores`."""
    return (
        sum(s.score for s in scores),
        sum(s.max_score for s in scores),
        any(s.needs_manual_grade for s in scores),
    )


@dataclass(frozen=True)
class CellGrade:
    """One student's grade for one grade cell (a test cell `<answer>__<aspect>`, or a written one)."""

    student: str
    notebook: str
    grade_id: str
    score: float
    max_score: float
    graded: bool  # nbgrader recorded a score for it (autograded, or by hand)
    needs_manual_grade: bool

    @property
    def answer(self) -> str:
        return answer_name(self.grade_id)

    @property
    def passed(self) -> bool:
        """Every point of the cell earned (a test cell passes or fails as a whole)."""
        return self.graded and self.score >= self.max_score


def cell_grades(course: Course, student: str) -> list[CellGrade]:
    """Every grade cell of `student`'s submission, notebook by notebook ([] if not graded)."""
    with _submission(course, student) as submission:
        if submission is None:
            return []
        return [
            CellGrade(
                student=student,
                notebook=nb.name,
                grade_id=grade.name,
                score=float(grade.score or 0.0),
                max_score=float(grade.max_score or 0.0),
                graded=grade.auto_score is not None or grade.manual_score is not None,
                needs_manual_grade=bool(grade.needs_manual_grade),
            )
            for nb in sorted(submission.notebooks, key=lambda n: n.name)
            for grade in nb.grades
        ]
