"""The scorecard model: one interviewer's ticks, levels, notes and timer for one stage, scored.

A scorecard is one interviewer's record of one stage with one candidate: the expected
points and red flags ticked, the follow-ups asked, the rubric levels, notes and the time
spent. Every change is written to disk (atomically) before the changing method returns;
`ScorecardStore` (in `store`) says where the file lives and opens it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..bank import LEVELS, Bank, ExpectedPoint, Question, Rubric, Stage
from ..common.files import write_atomic
from .card_state import CardState
from .verdicts import Verdict, verdict_for

Clock = Callable[[], float]
Listener = Callable[["Scorecard"], None]


class Scorecard:
    """One interviewer's scorecard for one candidate and stage; every change is saved.

    Get one from `ScorecardStore.open`. Ids not in the bank any more (a question removed)
    are kept on disk but ignored by the scores.
    """

    def __init__(
        self,
        state: CardState,
        *,
        bank: Bank,
        path: Path,
        clock: Clock,
        recovered_from: Path | None = None,
    ) -> None:
        self._state = state
        self._bank = bank
        self._clock = clock
        self._listeners: list[Listener] = []
        self.path = path
        self.recovered_from = recovered_from
        """Where an unreadable earlier file was set aside when this card was opened, if any."""

    # identity ---------------------------------------------------------------------------
    @property
    def candidate(self) -> str:
        return self._state.candidate

    @property
    def stage_id(self) -> str:
        return self._state.stage

    @property
    def interviewer(self) -> str:
        return self._state.interviewer

    @property
    def profile_id(self) -> str:
        return self._state.profile

    @property
    def stage(self) -> Stage:
        """The bank's `Stage` this card scores."""
        return self._bank.stage(self.stage_id)

    @property
    def rubric(self) -> Rubric:
        return self._bank.rubric_for(self.stage_id)

    @property
    def bank(self) -> Bank:
        return self._bank

    # reading the state --------------------------------------------------------------------
    @property
    def asked(self) -> frozenset[str]:
        """Ids of the questions marked as asked."""
        return frozenset(self._state.asked)

    @property
    def ticked(self) -> frozenset[str]:
        """Ids of the expected points and red flags ticked."""
        return frozenset(self._state.ticked)

    @property
    def followups_asked(self) -> frozenset[str]:
        return frozenset(self._state.followups)

    @property
    def levels(self) -> dict[str, int]:
        """Rubric level per category id (categories not scored yet are absent)."""
        return dict(self._state.levels)

    @property
    def notes(self) -> str:
        return self._state.notes

    @property
    def question_notes(self) -> dict[str, str]:
        return dict(self._state.question_notes)

    @property
    def updated_at(self) -> float | None:
        """Clock time of the last save."""
        return self._state.updated_at

    def is_ticked(self, point_id: str) -> bool:
        return point_id in self._state.ticked

    def level(self, category_id: str) -> int | None:
        return self._state.levels.get(category_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready content of the card, as saved."""
        return self._state.to_dict()

    # changing the state (each saves) ------------------------------------------------------
    def mark_asked(self, question_id: str, asked: bool = True) -> None:
        """Mark a question of this stage as asked (or not).

        Ticking one of its points or asking one of its follow-ups marks it too.
        """
        self._check_in_stage(self._bank.question, question_id, "question")
        self._save_if(_set_member(self._state.asked, question_id, asked))

    def tick(self, point_id: str, ticked: bool = True) -> None:
        """Tick (or untick) an expected point or red flag of this stage."""
        question = self._check_in_stage(self._bank.point, point_id, "point")
        changed = _set_member(self._state.ticked, point_id, ticked)
        self._save_if(changed | (ticked and _set_member(self._state.asked, question, True)))

    def ask_followup(self, followup_id: str, asked: bool = True) -> None:
        """Mark a follow-up probe of this stage as asked (or not)."""
        question = self._check_in_stage(self._bank.followup, followup_id, "follow-up")
        changed = _set_member(self._state.followups, followup_id, asked)
        self._save_if(changed | (asked and _set_member(self._state.asked, question, True)))

    def set_level(self, category_id: str, level: int | None) -> None:
        """Score a rubric category 1 to 4, or clear it with None."""
        if category_id not in {c.id for c in self.rubric.categories}:
            raise ValueError(f"rubric {self.rubric.id!r} has no category {category_id!r}")
        if level is None:
            if self._state.levels.pop(category_id, None) is not None:
                self.save()
            return
        if isinstance(level, bool) or level not in LEVELS:
            raise ValueError(f"rubric level must be one of {LEVELS} or None, got {level!r}")
        if self._state.levels.get(category_id) != level:
            self._state.levels[category_id] = int(level)
            self.save()

    def set_notes(self, text: str) -> None:
        """Replace the card's general notes."""
        if text != self._state.notes:
            self._state.notes = str(text)
            self.save()

    def set_question_note(self, question_id: str, text: str) -> None:
        """Replace the notes on one question of this stage ('' removes them); marks it asked."""
        self._check_in_stage(self._bank.question, question_id, "question")
        if text:
            changed = self._state.question_notes.get(question_id) != text
            self._state.question_notes[question_id] = str(text)
            changed |= _set_member(self._state.asked, question_id, True)
        else:
            changed = self._state.question_notes.pop(question_id, None) is not None
        if changed:
            self.save()

    def set_profile(self, profile_id: str) -> None:
        """Change the role profile the candidate is screened for."""
        if profile_id not in {p.id for p in self._bank.profiles}:
            raise ValueError(f"unknown role profile {profile_id!r}")
        if profile_id != self._state.profile:
            self._state.profile = profile_id
            self.save()

    # timer ------------------------------------------------------------------------------
    @property
    def timer_running(self) -> bool:
        return self._state.timer_started_at is not None

    @property
    def elapsed_seconds(self) -> float:
        """Seconds spent on this stage, including the running stretch if the timer runs."""
        running = 0.0
        if self._state.timer_started_at is not None:
            running = max(0.0, self._clock() - self._state.timer_started_at)
        return self._state.elapsed_seconds + running

    def start_timer(self) -> None:
        """Start (or keep) timing the stage; a running timer survives reopening the card."""
        if self._state.timer_started_at is None:
            self._state.timer_started_at = self._clock()
            self.save()

    def stop_timer(self) -> None:
        """Stop timing and add the stretch since `start_timer` to the elapsed time."""
        if self._state.timer_started_at is not None:
            self._state.elapsed_seconds = self.elapsed_seconds
            self._state.timer_started_at = None
            self.save()

    # scoring ----------------------------------------------------------------------------
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

    # saving and observers -------------------------------------------------------------
    def save(self) -> None:
        """Write the card to disk now, then tell the listeners (every change calls this)."""
        self._state.updated_at = self._clock()
        write_atomic(self.path, self._state.to_json())
        for listener in list(self._listeners):
            listener(self)

    def on_change(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(card)` after every saved change; returns a function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # internals --------------------------------------------------------------------------
    def _check_in_stage(self, find: Callable[[str], Any], item_id: str, what: str) -> str:
        """The id of the item's question, after checking the item belongs to this stage."""
        try:
            item = find(item_id)
        except KeyError as err:
            raise ValueError(err.args[0]) from None
        question_id = getattr(item, "question", None) or item.id
        if self._bank.question(question_id).stage != self.stage_id:
            raise ValueError(f"{what} {item_id!r} is not part of stage {self.stage_id!r}")
        return question_id

    def _save_if(self, changed: bool) -> None:
        if changed:
            self.save()


def _set_member(items: set[str], item: str, present: bool) -> bool:
    """Add or remove `item`; True if that changed `items`."""
    if present == (item in items):
        return False
    (items.add if present else items.discard)(item)
    return True
