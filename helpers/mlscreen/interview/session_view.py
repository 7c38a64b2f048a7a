"""One interviewer's session with one candidate: a tab per stage, their scores and the panel's.

The session opens the stages begun earlier from disk, begins a stage when asked, shows
this interviewer's totals and the recommendation from the cards they may see (`blind`: other
interviewers' cards only for the stages they submitted), and moves running timers' clocks.
"""

from __future__ import annotations

import threading

import ipywidgets as widgets

from ..bank import RoleProfile
from .autograded_view import ScoresSource
from .blind import recommendation_for, stage_cards_for
from .recommendation import Recommendation
from .scorecard import Scorecard
from .stage_view import PendingStageView, StageView
from .store import ScorecardStore
from .widget_parts import STYLE, ErrorLine, badge, close_tree, esc, html_widget, kind

_TICK_SECONDS = 1.0


class InterviewView(widgets.VBox):
    """One interviewer's session with one candidate: a tab per stage of the role profile.

    A stage's scorecard is created when the interviewer begins that stage; stages begun
    earlier are opened from disk as they were left. `coding_scores` are shown beside the
    rubric of each stage whose bank entry says `shows_autograded_scores`.
    """

    def __init__(
        self,
        store: ScorecardStore,
        *,
        candidate: str,
        interviewer: str,
        profile: str,
        coding_scores: ScoresSource | None = None,
    ) -> None:
        super().__init__()
        self.add_class("mlscreen-interview")
        self._store = store
        self._candidate = candidate
        self._interviewer = interviewer
        self._profile: RoleProfile = store.bank.profile(profile)
        self._coding_scores = coding_scores
        self._error = ErrorLine()
        self._stages: dict[str, StageView] = {}
        self._badges = html_widget("", "mlscreen-stage-badges")
        self._recommendation = html_widget("", "mlscreen-recommendation")
        self._pages: dict[str, widgets.VBox] = {}
        for stage_id in self._profile.stages:
            page = widgets.VBox()
            page.add_class(f"mlscreen-page-{stage_id}")
            self._pages[stage_id] = page
            if store.path(candidate, stage_id, interviewer).exists():
                self._show_stage(store.open(candidate, stage_id, interviewer, profile))
            else:
                page.children = [self._pending(stage_id)]
        stage_names = [store.bank.stage(s).name for s in self._profile.stages]
        self._tabs = widgets.Tab(children=list(self._pages.values()), titles=stage_names)
        self._tabs.add_class("mlscreen-tabs")
        self.children = [
            widgets.HTML(STYLE),
            html_widget(
                f"<h2>Candidate {esc(store.names.label(candidate))}</h2>"
                f"<div>Interviewer <b>{esc(interviewer)}</b> · role profile "
                f"<b>{esc(self._profile.name)}</b> ({esc(self._profile.focus)})</div>"
                f"<div class='mlscreen-muted'>{esc(self._profile.description)}</div>",
                "mlscreen-session",
            ),
            self._badges,
            self._recommendation,
            self._error,
            self._tabs,
        ]
        self._refresh_summary()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="mlscreen-timer", daemon=True)
        self._ticker.start()

    def begin(self, stage_id: str) -> StageView:
        """Create (or open) this interviewer's scorecard for a stage and show it."""
        if stage_id not in self._stages:
            card = self._store.open(self._candidate, stage_id, self._interviewer, self._profile.id)
            self._show_stage(card)
            self._refresh_summary()
        return self._stages[stage_id]

    def close(self) -> None:
        """Stop the timer display and close every widget of the view."""
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()
        for child in self.children:
            close_tree(child)
        super().close()

    def _pending(self, stage_id: str) -> PendingStageView:
        planned = self._store.bank.planned_questions(self._profile.id, stage_id)
        stage = self._store.bank.stage(stage_id)
        return PendingStageView(stage, planned, lambda: self._begin_safely(stage_id))

    def _begin_safely(self, stage_id: str) -> None:
        try:
            self.begin(stage_id)
        except (OSError, ValueError) as err:
            self._error.show(err)
        else:
            self._error.show(None)

    def _show_stage(self, card: Scorecard) -> None:
        scores = self._coding_scores if card.stage.shows_autograded_scores else None
        stage_id = card.stage_id

        def panel():
            return stage_cards_for(self._store, self._candidate, stage_id, self._interviewer)

        view = StageView(card, coding_scores=scores, panel=panel)
        card.on_change(lambda _card: self._refresh_summary())
        self._stages[card.stage_id] = view
        self._pages[card.stage_id].children = [view]

    def _refresh_summary(self) -> None:
        badges = []
        for stage_id in self._profile.stages:
            name = self._store.bank.stage(stage_id).name
            view = self._stages.get(stage_id)
            if view is None:
                badges.append(f"{esc(name)} {badge('not begun', 'none')}")
                continue
            card = view.card
            total = "–" if card.total is None else str(card.total)
            verdict = badge(str(card.verdict), kind(card.verdict))
            badges.append(f"{esc(name)} <b>{total}/{card.max_total}</b> {verdict}")
        self._badges.value = "Your scores: " + " &nbsp;·&nbsp; ".join(badges)
        try:
            recommendation = recommendation_for(self._store, self._candidate, self._interviewer)
        except (OSError, ValueError) as err:
            self._recommendation.value = f"<span class='mlscreen-error'>{esc(err)}</span>"
            return
        self._recommendation.value = _recommendation_html(recommendation)

    def _tick(self) -> None:
        """Move the running timers' displays once a second (in a background thread)."""
        while not self._stop.wait(_TICK_SECONDS):
            for view in list(self._stages.values()):
                try:
                    if view.card.timer_running:
                        view.refresh_timer()
                except Exception:  # a display glitch must not stop the clock
                    continue


def _recommendation_html(recommendation: Recommendation) -> str:
    decision = str(recommendation.decision)
    provisional = " (provisional)" if recommendation.provisional else ""
    reasons = "".join(f"<li>{esc(r)}</li>" for r in recommendation.reasons)
    return (
        f"<div>Recommendation: {badge(decision + provisional, kind(decision))} "
        "<span class='mlscreen-muted'>(from your cards, and other interviewers' for the stages "
        "you submitted)</span></div>"
        f"<details><summary class='mlscreen-muted'>why</summary><ul>{reasons}</ul></details>"
    )
