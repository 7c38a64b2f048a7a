"""Where scorecards live: `scorecards/<candidate>/<stage>-<interviewer>.json`, opened and listed.

The store validates ids, opens a saved card or starts a new one, sets an unreadable file
aside (never overwriting it), lists a candidate's cards in panel order and combines them
into the candidate's recommendation. It lists every card, drafts included: what one viewer
may see of them is `blind`'s to decide.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

from ..bank import Bank, load_bank
from ..common.ids import is_valid_id, validate_id
from ..course.layout import Course
from .card_state import CardFormatError, CardState
from .naming import ROSTER_FILE, CandidateNames, read_roster
from .recommendation import Recommendation, recommend
from .scorecard import Clock, Scorecard


class CorruptScorecardWarning(UserWarning):
    """A scorecard file could not be read and was set aside (never overwritten)."""


class ScorecardStore:
    """Every scorecard of a course, under `course.scorecards` (or another `folder`)."""

    def __init__(
        self,
        course: Course,
        bank: Bank | None = None,
        clock: Clock = time.time,
        *,
        folder: Path | None = None,
    ) -> None:
        self.course = course
        self.bank = bank if bank is not None else load_bank()
        self._clock = clock
        self._folder = Path(folder) if folder is not None else None

    @property
    def folder(self) -> Path:
        return self._folder if self._folder is not None else self.course.scorecards

    @property
    def names(self) -> CandidateNames:
        """What views and exports call each candidate (the roster, unless anonymous)."""
        roster = read_roster(self.folder / ROSTER_FILE)
        return CandidateNames(roster, anonymous=self.bank.settings.anonymous)

    def path(self, candidate: str, stage: str, interviewer: str) -> Path:
        """`scorecards/<candidate>/<stage>-<interviewer>.json` (ids validated)."""
        validate_id(candidate, "candidate id")
        validate_id(interviewer, "interviewer id")
        self._stage(stage)
        return self.folder / candidate / f"{stage}-{interviewer}.json"

    def open(
        self, candidate: str, stage: str, interviewer: str, profile: str | None = None
    ) -> Scorecard:
        """The saved card, or a new one (saved at once, which needs `profile`).

        Giving a `profile` different from the saved one changes it, unless the card is locked
        (submitted): it keeps the profile it was submitted under. An unreadable file is
        renamed to `<name>.corrupt-<timestamp>` with a `CorruptScorecardWarning`, and a new
        card starts; `card.recovered_from` then names the set-aside file.
        """
        path = self.path(candidate, stage, interviewer)
        if profile is not None:
            self._profile(profile)
        recovered_from = None
        if path.exists():
            try:
                state = _read(path, candidate, stage, interviewer)
            except CardFormatError as err:
                recovered_from = self._set_aside(path, err)
            else:
                card = self._card(state, path)
                if profile is not None and not card.locked:
                    card.set_profile(profile)
                return card
        if profile is None:
            raise ValueError(f"a new scorecard ({path.name} for {candidate}) needs a role profile")
        state = CardState(candidate, stage, interviewer, profile)
        card = self._card(state, path, recovered_from)
        card.save()
        return card

    def candidates(self) -> list[str]:
        """Ids of the candidates with a scorecard folder, sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if p.is_dir() and is_valid_id(p.name))

    def scorecards(self, candidate: str) -> list[Scorecard]:
        """Every readable card of a candidate, in panel order then by interviewer.

        Unreadable files are skipped with a `CorruptScorecardWarning` (left untouched).
        """
        validate_id(candidate, "candidate id")
        folder = self.folder / candidate
        cards = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            stage, _, interviewer = path.stem.partition("-")
            try:
                state = _read(path, candidate, stage, interviewer)
                self._stage(state.stage)
            except ValueError as err:  # a CardFormatError, or a stage no longer in the bank
                message = f"skipping unreadable scorecard {path}: {err}"
                warnings.warn(message, CorruptScorecardWarning, stacklevel=2)
                continue
            cards.append(self._card(state, path))
        order = {s.id: i for i, s in enumerate(self.bank.stages)}
        return sorted(cards, key=lambda c: (order[c.stage_id], c.interviewer))

    def recommendation(self, candidate: str) -> Recommendation:
        """The overall recommendation from all the candidate's cards (see `recommend`)."""
        return recommend(candidate, self.scorecards(candidate), self.bank)

    def _card(
        self, state: CardState, path: Path, recovered_from: Path | None = None
    ) -> Scorecard:
        return Scorecard(
            state, bank=self.bank, path=path, clock=self._clock, recovered_from=recovered_from
        )

    def _stage(self, stage: str) -> None:
        try:
            self.bank.stage(stage)
        except KeyError:
            known = [s.id for s in self.bank.stages]
            raise ValueError(f"unknown stage {stage!r}: one of {known}") from None

    def _profile(self, profile: str) -> None:
        try:
            self.bank.profile(profile)
        except KeyError:
            known = [p.id for p in self.bank.profiles]
            raise ValueError(f"unknown role profile {profile!r}: one of {known}") from None

    def _set_aside(self, path: Path, err: Exception) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(self._clock()))
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        suffix = 1
        while target.exists():
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{suffix}")
            suffix += 1
        os.replace(path, target)
        warnings.warn(
            f"scorecard {path} could not be read ({err}); kept it as {target.name} and started "
            "a new card",
            CorruptScorecardWarning,
            stacklevel=3,
        )
        return target


def _read(path: Path, candidate: str, stage: str, interviewer: str) -> CardState:
    """The state in `path`, checked to be the card its name says (`CardFormatError` if not)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise CardFormatError(f"not valid JSON ({err})") from None
    state = CardState.from_json(text)
    if (state.candidate, state.stage, state.interviewer) != (candidate, stage, interviewer):
        raise CardFormatError(
            f"it holds {state.candidate}/{state.stage}/{state.interviewer}, "
            f"not {candidate}/{stage}/{interviewer}"
        )
    return state
