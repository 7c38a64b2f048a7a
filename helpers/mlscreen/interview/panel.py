"""A stage's panel result by arithmetic: per rubric category the median of the interviewers'
levels, the total of those medians against the rubric's thresholds, and the categories where
two interviewers differ by `DISAGREEMENT_LEVELS` or more, flagged for the debrief.

Only cards with every category scored count (a half-scored draft says nothing yet).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ..bank import Bank
from .scorecard import Scorecard
from .verdicts import Verdict, verdict_for

DISAGREEMENT_LEVELS = 2
"""Two interviewers this many levels apart (or more) on a category: talk about it."""


@dataclass(frozen=True)
class CategoryPanel:
    """One rubric category across the interviewers of a stage."""

    id: str
    name: str
    levels: tuple[tuple[str, int], ...]
    """(interviewer, level), in interviewer order."""
    median: float | None

    @property
    def spread(self) -> int | None:
        """Highest level minus lowest (None without levels)."""
        values = [level for _, level in self.levels]
        return max(values) - min(values) if values else None

    @property
    def flagged(self) -> bool:
        """True if two interviewers differ by `DISAGREEMENT_LEVELS` or more."""
        return self.spread is not None and self.spread >= DISAGREEMENT_LEVELS

    def level_of(self, interviewer: str) -> int | None:
        return dict(self.levels).get(interviewer)


@dataclass(frozen=True)
class StagePanel:
    """One stage of one candidate across the interviewers who scored it."""

    stage: str
    name: str
    interviewers: tuple[str, ...]
    categories: tuple[CategoryPanel, ...]
    total: float | None
    """The sum of the category medians (None until someone scored every category)."""
    max_total: int
    pass_at: int
    verdict: Verdict

    @property
    def flagged(self) -> tuple[CategoryPanel, ...]:
        """The categories to discuss at the debrief."""
        return tuple(c for c in self.categories if c.flagged)


def stage_panel(stage_id: str, cards: Sequence[Scorecard], bank: Bank) -> StagePanel:
    """The panel result of one stage from the cards given (others' stages are ignored)."""
    stage, rubric = bank.stage(stage_id), bank.rubric_for(stage_id)
    scored = sorted(
        (c for c in cards if c.stage_id == stage_id and c.is_scored), key=lambda c: c.interviewer
    )
    categories = []
    for category in rubric.categories:
        levels = tuple((c.interviewer, c.levels[category.id]) for c in scored)
        median = statistics.median(v for _, v in levels) if levels else None
        categories.append(CategoryPanel(category.id, category.name, levels, median))
    total = sum(c.median for c in categories) if scored else None
    return StagePanel(
        stage=stage_id,
        name=stage.name,
        interviewers=tuple(c.interviewer for c in scored),
        categories=tuple(categories),
        total=total,
        max_total=rubric.max_total,
        pass_at=rubric.pass_at,
        verdict=verdict_for(rubric, total),
    )


def describe_flag(category: CategoryPanel) -> str:
    """`Core concepts (alice 1, bob 3)`: a flagged category in words."""
    levels = ", ".join(f"{who} {level}" for who, level in category.levels)
    return f"{category.name} ({levels})"
