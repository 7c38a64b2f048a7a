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


@dataclass(frozen=True)
class AnswerScore:
    """One student's autograded points for one answer name (all its test cells together)."""

    student: str
    notebook: str
    answer: str
    score: float
    max_score: float
    needs_manual_grade: bool


def answer_name(grade_id: str) -> str:
    """The answer a test cell grades: test ids are `<answer>__<aspect>`."""
    return grade_id.split("__", 1)[0]


def answer_scores(course: Course, student: str) -> list[AnswerScore]:
    """Points per answer name for every graded notebook of `student` ([] if not graded)."""
    if not course.gradebook.exists():
        return []
    with Gradebook(course.gradebook_url) as gb:
        try:
            submission = gb.find_submission(course.assignment, student)
        except MissingEntry:
            return []
        totals: dict[tuple[str, str], list[float | bool]] = {}
        for nb in submission.notebooks:
            for grade in nb.grades:
                key = (nb.name, answer_name(grade.name))
                entry = totals.setdefault(key, [0.0, 0.0, False])
                entry[0] += float(grade.score or 0.0)
                entry[1] += float(grade.max_score or 0.0)
                entry[2] = bool(entry[2] or grade.needs_manual_grade)
        return [
            AnswerScore(student, notebook, answer, score, max_score, manual)
            for (notebook, answer), (score, max_score, manual) in sorted(totals.items())
        ]


def assignment_answers(course: Course) -> list[tuple[str, str, float]]:
    """(notebook, answer, max points) for every answer of the assignment, from the gradebook."""
    if not course.gradebook.exists():
        return []
    with Gradebook(course.gradebook_url) as gb:
        try:
            assignment = gb.find_assignment(course.assignment)
        except MissingEntry:
            return []
        totals: dict[tuple[str, str], float] = {}
        for nb in assignment.notebooks:
            for cell in nb.grade_cells:
                key = (nb.name, answer_name(cell.name))
                totals[key] = totals.get(key, 0.0) + float(cell.max_score)
        return [(notebook, answer, points) for (notebook, answer), points in sorted(totals.items())]
