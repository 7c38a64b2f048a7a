"""Blind until submitted: which cards of a candidate one viewer may see.

An interviewer always sees their own cards. Another interviewer's card for a stage is shown
to them only once they have submitted their own card for that candidate and stage, and only
if that card is submitted and not under amendment (drafts are nobody else's business). Before that they see
nothing of it: no levels, ticks, notes, totals, and no recommendation built from it.

The debrief (`DEBRIEF`, the viewer of `mlscreen scorecards` without `--as`) sees every
submitted card of every stage whose cards are all submitted; a stage with a card still in
draft or under amendment is withheld whole and listed as waiting, so that an interviewer
cannot peek at their own stage through the debrief's exports before they submit.

This decides what the companion and the exports show; it is not access control. Whoever can
read the scorecards folder can read every card: keep it where only the people running the
round can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .naming import CandidateNames
from .panel import StagePanel, stage_panel
from .recommendation import Recommendation, recommend
from .scorecard import Scorecard
from .store import ScorecardStore

DEBRIEF = None
"""The viewer who sees the whole panel once each stage is submitted."""


@dataclass(frozen=True)
class Visible:
    """The cards of one candidate one viewer may see."""

    viewer: str | None
    cards: tuple[Scorecard, ...]
    waiting: tuple[tuple[str, str], ...] = ()
    """For the debrief: (stage, interviewer) of each card begun but not submitted."""

    def panel_open(self, stage: str) -> bool:
        """True if the viewer may see every interviewer's submitted card for `stage`."""
        if self.viewer is DEBRIEF:
            return all(s != stage for s, _ in self.waiting)
        return any(_submitted_by(c, self.viewer) and c.stage_id == stage for c in self.cards)


def visible(cards: Sequence[Scorecard], viewer: str | None) -> Visible:
    """The cards `viewer` (an interviewer id, or `DEBRIEF`) may see, in the order given."""
    if viewer is DEBRIEF:
        pending = [c for c in cards if not c.submitted or c.amending is not None]
        withheld = {c.stage_id for c in pending}
        shown = tuple(c for c in cards if c.stage_id not in withheld)
        return Visible(viewer, shown, tuple((c.stage_id, c.interviewer) for c in pending))
    open_stages = {c.stage_id for c in cards if _submitted_by(c, viewer)}
    shown = tuple(
        c
        for c in cards
        if c.interviewer == viewer or (c.stage_id in open_stages and c.locked)
    )
    return Visible(viewer, shown)


def visible_cards(store: ScorecardStore, candidate: str, viewer: str | None) -> Visible:
    """The candidate's cards on disk that `viewer` may see."""
    return visible(store.scorecards(candidate), viewer)


def recommendation_for(store: ScorecardStore, candidate: str, viewer: str | None) -> Recommendation:
    """The recommendation built only from the cards `viewer` may see."""
    return recommend(candidate, visible_cards(store, candidate, viewer).cards, store.bank)


def _submitted_by(card: Scorecard, viewer: str | None) -> bool:
    return card.interviewer == viewer and card.submitted


@dataclass(frozen=True)
class StageCards:
    """One stage of one candidate as one viewer may see it side by side."""

    open: bool
    """False until the viewer submitted their own card for the stage: nothing else is shown."""
    cards: tuple[Scorecard, ...] = ()
    """The stage's submitted cards, the viewer's included (empty while not open)."""
    panel: StagePanel | None = None
    names: CandidateNames = field(default_factory=CandidateNames)
    """How to name the candidate (and redact notes) in anonymous mode."""


def stage_cards_for(
    store: ScorecardStore, candidate: str, stage: str, viewer: str | None
) -> StageCards:
    """Every interviewer's submitted card for a stage, if `viewer` may see them yet."""
    shown = visible_cards(store, candidate, viewer)
    if not shown.panel_open(stage):
        return StageCards(open=False)
    cards = tuple(c for c in shown.cards if c.stage_id == stage and c.submitted)
    # (another interviewer's card is in `shown` only while locked; the viewer's own counts
    # as soon as it was submitted once, amendment under way or not)
    return StageCards(True, cards, stage_panel(stage, cards, store.bank), store.names)
