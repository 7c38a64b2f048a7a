"""What grading found: each candidate's status, notes and points, and the batch's summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..course.gradebook import AnswerScore
from .flags import Flag


@dataclass(frozen=True)
class AnswerResult(AnswerScore):
    """An answer's points in a batch. `graded` is False when nbgrader never graded it (its
    notebook missing or unreadable, or the whole candidate failed): 0 points, not a graded 0."""

    graded: bool = True


@dataclass
class CandidateResult:
    """One candidate's outcome: status, notes for the summary, and points per answer."""

    student: str
    status: str = "graded"  # graded | incomplete (a notebook missing or unreadable) | failed | skipped
    notes: list[str] = field(default_factory=list)
    answers: list[AnswerResult] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)  # for a person to review; never change a score

    @property
    def score(self) -> float:
        """Autograded points (written answers are graded by hand, apart)."""
        return sum(a.score for a in self.answers if not a.written)

    @property
    def max_score(self) -> float:
        return sum(a.max_score for a in self.answers if not a.written)

    @property
    def written(self) -> str:
        """Hand-graded points as `score/max`, or `pending` while an answer awaits its grader."""
        rows = [a for a in self.answers if a.written and a.graded]
        if any(a.needs_manual_grade for a in rows):
            return "pending"
        return f"{sum(a.score for a in rows):g}/{sum(a.max_score for a in rows):g}" if rows else "-"

    def notebook_score(self, notebook: str) -> tuple[float, float]:
        rows = [a for a in self.answers if a.notebook == notebook and not a.written]
        return sum(a.score for a in rows), sum(a.max_score for a in rows)


@dataclass
class GradingSummary:
    """What a batch run did, candidate by candidate."""

    results: list[CandidateResult]

    @property
    def all_graded(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    def result(self, student: str) -> CandidateResult:
        return next(r for r in self.results if r.student == student)
