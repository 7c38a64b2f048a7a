"""What a scorecard's state scores: coverage of the expected points, red flags, totals, verdict.

`CardScoring` is the read-only half of `Scorecard`: it reads the card's state and the bank,
and changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..bank import ExpectedPoint, Question
from .verdicts import Verdict, verdict_for

if TYPE_CHECKING:
    from ..bank import Bank, Rubric, Stage
    from .card_state import CardState


class CardScoring:
    """Coverage, red flags, totals and the verdict of a card (mixed into `Scorecard`)."""

    _state: CardState
    _bank: Bank
    profile_id: str
    stage_id: str
    stage: Stage
    rubric: Rubric
    elapsed_seconds: float

    @property
    def planned_questions(self) -> tuple[Question, ...]:
        """The stage's questions the role profile favours (all of them if it names none)."""
        try:
            return self._bank.planned_questions(self.profile_id, self.stage_id)
        except KeyError:
            return self.stage.questions

    @property
    def covered_questions(self) -> tuple[Question, ...]:
        """The questions coverage counts: those asked, or the planned ones before any is."""
        asked = tuple(q for q in self.stage.questions if q.id in self._state.asked)
        return asked or self.planned_questions

    def question_coverage(self, question_id: str) -> float:
        """Share of a question's expected points ticked (0 to 1)."""
        heard, expected = self.question_points(question_id)
        return heard / expected

    def question_points(self, question_id: str) -> tuple[int, int]:
        """(points ticked, points expected) of one question."""
        points = self._bank.question(question_id).points
        return sum(p.id in self._state.ticked for p in points), len(points)

    @property
    def points_expected(self) -> int:
        return sum(len(q.points) for q in self.covered_questions)

    @property
    def points_ticked(self) -> int:
        return sum(p.id in self._state.ticked for q in self.covered_questions for p in q.points)

    @property
    def coverage(self) -> float:
        """Share of the expected points of `covered_questions` ticked (0 to 1)."""
        expected = self.points_expected
        return self.points_ticked / expected if expected else 0.0

    @property
    def red_flags(self) -> tuple[ExpectedPoint, ...]:
        """The red flags ticked, in bank order."""
        ticked = self._state.ticked
        return tuple(f for q in self.stage.questions for f in q.red_flags if f.id in ticked)

    @property
    def is_scored(self) -> bool:
        """True once every category of the stage's rubric has a level."""
        return all(c.id in self._state.levels for c in self.rubric.categories)

    @property
    def categories_scored(self) -> int:
        """How many of the rubric's categories have a level."""
        return sum(c.id in self._state.levels for c in self.rubric.categories)

    @property
    def over_time(self) -> bool:
        """True once the time spent passes the stage's planned maximum."""
        return self.elapsed_seconds > self.stage.max_minutes * 60

    @property
    def partial_total(self) -> int:
        """Sum of the levels given so far."""
        return sum(self._state.levels.get(c.id, 0) for c in self.rubric.categories)

    @property
    def total(self) -> int | None:
        """The rubric total, or None until every category is scored."""
        return self.partial_total if self.is_scored else None

    @property
    def max_total(self) -> int:
        return self.rubric.max_total

    @property
    def verdict(self) -> Verdict:
        return verdict_for(self.rubric, self.total)

    @property
    def passed(self) -> bool | None:
        """True/False once scored against the rubric's pass mark, None before."""
        return self.verdict.passed
