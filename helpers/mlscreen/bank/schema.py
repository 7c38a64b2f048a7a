"""The question bank's typed shape: frozen dataclasses for stages, questions, rubrics, profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LEVELS = (1, 2, 3, 4)
VERDICT_NAMES = ("clear fail", "fail", "pass", "strong pass")
"""Where a rubric total falls (see `Rubric`): the names the interview's verdicts carry."""
ATS_RATINGS = ("definitely_not", "no", "mixed", "yes", "strong_yes")
"""Greenhouse's scorecard ratings, for an attribute."""
ATS_RECOMMENDATIONS = ("definitely_not", "no", "yes", "strong_yes")
"""Greenhouse's overall recommendations of a submitted scorecard."""


class BankError(ValueError):
    """A bank file is malformed; the message names the file and the bad entry."""


# --- the dataclasses --------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedPoint:
    """A point the interviewer listens for (or a red flag), ticked on the scorecard."""

    id: str
    text: str
    question: str


@dataclass(frozen=True)
class FollowUp:
    """A follow-up probe the interviewer may ask after the main prompt."""

    id: str
    text: str
    question: str


@dataclass(frozen=True)
class Question:
    """One prompt of a stage with what a good answer covers."""

    id: str
    stage: str
    prompt: str
    topic: str
    intent: str
    points: tuple[ExpectedPoint, ...]
    red_flags: tuple[ExpectedPoint, ...]
    followups: tuple[FollowUp, ...]


@dataclass(frozen=True)
class RubricLevel:
    """One level of a rubric category: its score, the scale's label and the descriptor."""

    score: int
    label: str
    descriptor: str


@dataclass(frozen=True)
class RubricCategory:
    """One scored category of a rubric, with a descriptor for each level 1 to 4."""

    id: str
    name: str
    levels: tuple[RubricLevel, ...]

    def level(self, score: int) -> RubricLevel:
        """The level whose score is `score` (KeyError if none)."""
        for level in self.levels:
            if level.score == score:
                return level
        raise KeyError(f"category {self.id!r} has no level {score!r}")


@dataclass(frozen=True)
class Rubric:
    """A rubric: categories scored 1 to 4 each, and the totals that pass.

    A total passes at `pass_at` or more, passes with a margin at `strong_at` or more,
    and fails clearly below `weak_below`.
    """

    id: str
    name: str
    pass_at: int
    strong_at: int
    weak_below: int
    note: str
    categories: tuple[RubricCategory, ...]

    @property
    def max_total(self) -> int:
        return len(self.categories) * max(LEVELS)

    @property
    def min_total(self) -> int:
        return len(self.categories) * min(LEVELS)

    def category(self, category_id: str) -> RubricCategory:
        """The category with this id (KeyError if none)."""
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(f"rubric {self.id!r} has no category {category_id!r}")


@dataclass(frozen=True)
class Stage:
    """One interview of the panel plan, with its questions in bank order.

    `shows_autograded_scores`: the companion shows the candidate's autograded coding-screen
    scores beside this stage's rubric.
    """

    id: str
    name: str
    min_minutes: int
    max_minutes: int
    interviewer_role: str
    evaluates: str
    description: str
    assesses: tuple[str, ...]
    rubric: str
    questions: tuple[Question, ...]
    shows_autograded_scores: bool = False


@dataclass(frozen=True)
class RoleProfile:
    """A role to screen for: its panel, the stages that decide, and the questions to favour."""

    id: str
    name: str
    focus: str
    description: str
    stages: tuple[str, ...]
    core_stages: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True)
class AtsMapping:
    """How a submitted scorecard reads in an applicant-tracking system (Greenhouse's words).

    `levels`: the rating of a rubric category at each kit level; `verdicts`: the overall
    recommendation of a card whose rubric verdict is the key.
    """

    levels: dict[int, str] = field(
        default_factory=lambda: {1: "definitely_not", 2: "no", 3: "yes", 4: "strong_yes"}
    )
    verdicts: dict[str, str] = field(
        default_factory=lambda: dict(zip(VERDICT_NAMES, ATS_RECOMMENDATIONS))
    )


@dataclass(frozen=True)
class InterviewSettings:
    """The course's interview settings (`interview.yaml`).

    `anonymous`: cards, views and exports show candidate ids only, never a name.
    """

    anonymous: bool = False
    ats: AtsMapping = field(default_factory=AtsMapping)


@dataclass(frozen=True)
class Bank:
    """The whole question bank; look entries up by id with the methods below."""

    stages: tuple[Stage, ...]
    rubrics: tuple[Rubric, ...]
    profiles: tuple[RoleProfile, ...]
    settings: InterviewSettings = field(default_factory=InterviewSettings)
    _index: dict[str, dict[str, Any]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        index: dict[str, dict[str, Any]] = {
            "stage": {s.id: s for s in self.stages},
            "rubric": {r.id: r for r in self.rubrics},
            "profile": {p.id: p for p in self.profiles},
            "question": {q.id: q for q in self.questions},
            "point": {p.id: p for q in self.questions for p in (*q.points, *q.red_flags)},
            "followup": {f.id: f for q in self.questions for f in q.followups},
        }
        object.__setattr__(self, "_index", index)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question, stage by stage in panel order."""
        return tuple(q for stage in self.stages for q in stage.questions)

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id (KeyError if none)."""
        return self._find("stage", stage_id)

    def rubric(self, rubric_id: str) -> Rubric:
        """The rubric with this id (KeyError if none)."""
        return self._find("rubric", rubric_id)

    def profile(self, profile_id: str) -> RoleProfile:
        """The profile with this id (KeyError if none)."""
        return self._find("profile", profile_id)

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if none)."""
        return self._find("question", question_id)

    def point(self, point_id: str) -> ExpectedPoint:
        """An expected point or a red flag, by its full id `<question>.<point>`."""
        return self._find("point", point_id)

    def followup(self, followup_id: str) -> FollowUp:
        """A follow-up probe, by its full id `<question>.<probe>`."""
        return self._find("followup", followup_id)

    def rubric_for(self, stage_id: str) -> Rubric:
        """The rubric that scores a stage."""
        return self.rubric(self.stage(stage_id).rubric)

    def planned_questions(self, profile_id: str, stage_id: str) -> tuple[Question, ...]:
        """The stage's questions the profile emphasises, or all of them if it names none."""
        wanted = set(self.profile(profile_id).questions)
        questions = self.stage(stage_id).questions
        chosen = tuple(q for q in questions if q.id in wanted)
        return chosen or questions

    def _find(self, kind: str, key: str) -> Any:
        try:
            return self._index[kind][key]
        except KeyError:
            raise KeyError(f"no {kind} {key!r} in the question bank") from None
