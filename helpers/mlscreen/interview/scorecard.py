"""The scorecard model: one interviewer's ticks, levels, notes and timer for one stage, scored.

A scorecard is one interviewer's record of one stage with one candidate: the expected
points and red flags ticked, the follow-ups asked, the rubric levels, notes and the time
spent. Every change is written to disk (atomically) before the changing method returns;
`ScorecardStore` (in `store`) says where the file lives and opens it.

`submit` locks the card (its time and content hash recorded, see `submission`); from then
on every change raises `ScorecardLocked` unless an amendment is opened with a reason
(`amend`), and submitting again records the amendment beside the first submission.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..bank import LEVELS, Bank, Rubric, Stage
from ..common.files import write_atomic
from .card_scoring import CardScoring
from .card_state import CardState
from .submission import AMENDED, SUBMITTED, Submission, content_hash, content_of

Clock = Callable[[], float]
Listener = Callable[["Scorecard"], None]


class ScorecardLocked(ValueError):
    """A change to a submitted card outside an amendment."""


class Scorecard(CardScoring):
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
        self._check_editable()
        self._check_in_stage(self._bank.question, question_id, "question")
        self._save_if(_set_member(self._state.asked, question_id, asked))

    def tick(self, point_id: str, ticked: bool = True) -> None:
        """Tick (or untick) an expected point or red flag of this stage."""
        self._check_editable()
        question = self._check_in_stage(self._bank.point, point_id, "point")
        changed = _set_member(self._state.ticked, point_id, ticked)
        self._save_if(changed | (ticked and _set_member(self._state.asked, question, True)))

    def ask_followup(self, followup_id: str, asked: bool = True) -> None:
        """Mark a follow-up probe of this stage as asked (or not)."""
        self._check_editable()
        question = self._check_in_stage(self._bank.followup, followup_id, "follow-up")
        changed = _set_member(self._state.followups, followup_id, asked)
        self._save_if(changed | (asked and _set_member(self._state.asked, question, True)))

    def set_level(self, category_id: str, level: int | None) -> None:
        """Score a rubric category 1 to 4, or clear it with None."""
        self._check_editable()
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
        self._check_editable()
        if text != self._state.notes:
            self._state.notes = str(text)
            self.save()

    def set_question_note(self, question_id: str, text: str) -> None:
        """Replace the notes on one question of this stage ('' removes them); marks it asked."""
        self._check_editable()
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
        self._check_editable()
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
        self._check_editable(timer=True)
        if self._state.timer_started_at is None:
            self._state.timer_started_at = self._clock()
            self.save()

    def stop_timer(self) -> None:
        """Stop timing and add the stretch since `start_timer` to the elapsed time."""
        self._check_editable(timer=True)
        if self._state.timer_started_at is not None:
            self._state.elapsed_seconds = self.elapsed_seconds
            self._state.timer_started_at = None
            self.save()

    # submitting -------------------------------------------------------------------------
    @property
    def submissions(self) -> tuple[Submission, ...]:
        """The submission log: the first submission, then each amendment."""
        return tuple(self._state.submissions)

    @property
    def submitted(self) -> bool:
        return bool(self._state.submissions)

    @property
    def submitted_at(self) -> float | None:
        """Clock time of the first submission."""
        return self._state.submissions[0].at if self._state.submissions else None

    @property
    def amending(self) -> str | None:
        """The reason of the amendment under way, if one is."""
        return self._state.amending

    @property
    def locked(self) -> bool:
        """True once submitted, except while an amendment is under way."""
        return self.submitted and self._state.amending is None

    @property
    def content_hash(self) -> str:
        """SHA-256 of the card's content now (see `submission.content_of`)."""
        return content_hash(content_of(self._state))

    @property
    def integrity(self) -> str | None:
        """Why the card cannot be trusted as submitted (edited on disk, say); None if it can."""
        if any(not entry.intact for entry in self._state.submissions):
            return "a submission's content does not match its recorded hash"
        if self.locked and self._state.submissions[-1].hash != self.content_hash:
            return "the content changed after submission without an amendment"
        return None

    def submit(self) -> None:
        """Submit the card (every category scored), or the amendment under way; it then locks."""
        if self.locked:
            raise ScorecardLocked(f"already submitted at {_clock_text(self.submitted_at)}")
        if not self.is_scored:
            missing = [c.name for c in self.rubric.categories if c.id not in self._state.levels]
            raise ValueError(f"score every rubric category before submitting: {', '.join(missing)}")
        content = content_of(self._state)
        digest = content_hash(content)
        if self._state.amending is not None and digest == self._state.submissions[-1].hash:
            raise ValueError("the amendment changes nothing: change the card or cancel it")
        if self.timer_running:
            self._state.elapsed_seconds = self.elapsed_seconds
            self._state.timer_started_at = None
        kind, reason = (AMENDED, self._state.amending) if self.submitted else (SUBMITTED, "")
        entry = Submission(kind, self._clock(), reason or "", digest, content)
        self._state.submissions.append(entry)
        self._state.amending = None
        self.save()

    def amend(self, reason: str) -> None:
        """Unlock a submitted card for an amendment; `submit` records it with this reason."""
        if not self.submitted:
            raise ValueError("only a submitted card is amended: this one can still be edited")
        if self._state.amending is not None:
            raise ValueError(f"an amendment is already under way ({self._state.amending})")
        if not str(reason).strip():
            raise ValueError("an amendment needs a reason")
        self._state.amending = " ".join(str(reason).split())
        self.save()

    def cancel_amendment(self) -> None:
        """Put the card back as last submitted and lock it again."""
        if self._state.amending is None:
            return
        last = self._state.submissions[-1].content
        state = self._state
        state.profile = last["profile"]
        state.asked, state.ticked = set(last["asked"]), set(last["ticked"])
        state.followups, state.levels = set(last["followups"]), dict(last["levels"])
        state.notes, state.question_notes = last["notes"], dict(last["question_notes"])
        state.amending = None
        self.save()

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

    def _check_editable(self, *, timer: bool = False) -> None:
        if self.locked or (timer and self.submitted):
            when = _clock_text(self.submitted_at)
            raise ScorecardLocked(
                f"this scorecard was submitted at {when} and is locked: amend it, with a reason, "
                "to change it" + (" (the timer stays stopped)" if timer else "")
            )

    def _save_if(self, changed: bool) -> None:
        if changed:
            self.save()


def _clock_text(stamp: float | None) -> str:
    return "-" if stamp is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def _set_member(items: set[str], item: str, present: bool) -> bool:
    """Add or remove `item`; True if that changed `items`."""
    if present == (item in items):
        return False
    (items.add if present else items.discard)(item)
    return True
