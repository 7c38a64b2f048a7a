"""The interviewer companion's widgets: a thin view over `ScorecardStore` and `Scorecard`.

The widgets hold no scoring logic: every change is forwarded to the scorecard (which saves
it before returning) and every display is refreshed from the scorecard's own answers.
Widgets carry `mlscreen-*` CSS classes so that tests and styles can find them.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..bank import Question, RoleProfile, Rubric, RubricCategory, Stage
from .recommendation import Recommendation
from .scorecard import Scorecard, ScorecardStore

if TYPE_CHECKING:
    from ..course.gradebook import NotebookScore

CODING_STAGE = "coding"
"""The stage whose rubric is shown beside the candidate's autograded coding scores."""

ScoresSource = Callable[[], Sequence["NotebookScore"]]
SessionOpener = Callable[[str, str, str], "InterviewView"]

_TICK_SECONDS = 1.0
_SUBHEAD = "<div class='mlscreen-subhead'>{}</div>"
_STYLE = """
<style>
.mlscreen-badge { display: inline-block; padding: 1px 9px; border-radius: 10px;
  font-weight: 600; font-size: 90%; background: #e0e0e0; color: #333; }
.mlscreen-badge-pass, .mlscreen-badge-strong-pass, .mlscreen-badge-yes,
.mlscreen-badge-strong-yes { background: #2e7d32; color: #fff; }
.mlscreen-badge-fail, .mlscreen-badge-clear-fail, .mlscreen-badge-no,
.mlscreen-badge-strong-no, .mlscreen-badge-over { background: #c62828; color: #fff; }
.mlscreen-item .widget-label-basic span { white-space: normal; overflow: visible; }
.mlscreen-item .widget-label-basic { align-items: flex-start; }
.mlscreen-question { border-left: 3px solid #90a4ae; padding-left: 8px; margin: 6px 0; }
.mlscreen-subhead { font-weight: 600; margin-top: 4px; }
.mlscreen-muted { color: #666; font-size: 90%; }
.mlscreen-error { color: #b71c1c; font-weight: 600; }
</style>
"""


def _esc(text: object) -> str:
    return html.escape(str(text))


def _badge(text: str, kind: str) -> str:
    return f'<span class="mlscreen-badge mlscreen-badge-{kind}">{_esc(text)}</span>'


def _kind(value: str) -> str:
    """A CSS-friendly form of a verdict or decision ('strong pass' -> 'strong-pass')."""
    return value.replace(" ", "-")


def _clock_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _planned_text(stage: Stage) -> str:
    if stage.min_minutes == stage.max_minutes:
        return f"{stage.min_minutes} min"
    return f"{stage.min_minutes}–{stage.max_minutes} min"


def _html(value: str, css: str) -> widgets.HTML:
    widget = widgets.HTML(value)
    widget.add_class(css)
    return widget


def _close_tree(widget: widgets.Widget) -> None:
    """Close a widget and everything it contains."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, widgets.Widget):
            part.close()
    widget.close()


def _check(description: str, value: bool, css: str) -> widgets.Checkbox:
    box = widgets.Checkbox(
        value=value, description=description, indent=False, layout=widgets.Layout(width="auto")
    )
    box.add_class(css)
    box.add_class("mlscreen-item")
    return box


class _ErrorLine(widgets.HTML):
    """Shows the last failure to save (empty when the last change was saved)."""

    def __init__(self) -> None:
        super().__init__("")
        self.add_class("mlscreen-error")

    def show(self, err: Exception | None) -> None:
        self.value = "" if err is None else f"Not saved: {_esc(err)}"

    def warn(self, message: str) -> None:
        self.value = _esc(message)


class StageView(widgets.VBox):
    """One stage of one interviewer's scorecard: points, follow-ups, rubric, timer, notes."""

    def __init__(self, card: Scorecard, *, coding_scores: ScoresSource | None = None) -> None:
        super().__init__()
        self.add_class("mlscreen-stage")
        self.add_class(f"mlscreen-stage-{card.stage_id}")
        self._card = card
        self._refreshing = False
        self._error = _ErrorLine()
        self._asked: dict[str, widgets.Checkbox] = {}
        self._points: dict[str, widgets.Checkbox] = {}
        self._followups: dict[str, widgets.Checkbox] = {}
        self._question_notes: dict[str, widgets.Textarea] = {}
        self._question_coverage: dict[str, widgets.HTML] = {}
        self._levels: dict[str, widgets.RadioButtons] = {}
        self._coverage = _html("", "mlscreen-stage-coverage")
        self._flag_count = _html("", "mlscreen-red-flag-count")
        self._saved_at = _html("", "mlscreen-saved")
        self._total = _html("", "mlscreen-total")
        self._verdict = _html("", "mlscreen-verdict")
        self._timer_text = _html("", "mlscreen-timer")
        self._timer_button = widgets.ToggleButton(value=card.timer_running, icon="clock-o")
        self._timer_button.add_class("mlscreen-timer-toggle")
        self._timer_button.observe(self._on_timer, "value")
        self._notes = widgets.Textarea(
            value=card.notes, placeholder="Notes on this stage (saved as you type)",
            continuous_update=True, layout=widgets.Layout(width="100%", height="120px"),
        )
        self._notes.add_class("mlscreen-notes")
        self._notes.observe(lambda c: self._apply(card.set_notes, c["new"]), "value")
        self._scores = _AutogradedScores(coding_scores) if coding_scores else None

        stage = card.stage
        planned = card.planned_questions
        others = tuple(q for q in stage.questions if q not in planned)
        other_box = widgets.Accordion(
            children=[widgets.VBox([self._question(q) for q in others])],
            titles=[f"Other questions of this stage ({len(others)})"],
            selected_index=None,
        )
        other_box.add_class("mlscreen-other-questions")
        rubric = self._rubric(card.rubric)
        self.children = [
            _html(
                f"<h3>{_esc(stage.name)}</h3><div class='mlscreen-muted'>"
                f"{_esc(stage.interviewer_role)} · evaluates {_esc(stage.evaluates)} · "
                f"planned {_planned_text(stage)}</div><p>{_esc(stage.description)}</p>",
                "mlscreen-stage-intro",
            ),
            widgets.HBox([self._timer_button, self._timer_text]),
            widgets.HBox([self._coverage, self._flag_count]),
            widgets.HBox([self._saved_at, self._error]),
            *[self._question(q) for q in planned],
            *([other_box] if others else []),
            widgets.HBox([rubric, self._scores]) if self._scores else rubric,
            _html(_SUBHEAD.format("Notes"), "mlscreen-notes-title"),
            self._notes,
        ]
        self.refresh()
        if card.recovered_from is not None:
            self._error.warn(
                f"The earlier file of this scorecard could not be read; it is kept as "
                f"{card.recovered_from.name} and this card starts empty."
            )

    @property
    def card(self) -> Scorecard:
        return self._card

    # building ---------------------------------------------------------------------------
    def _question(self, question: Question) -> widgets.VBox:
        card = self._card
        coverage = _html("", "mlscreen-question-coverage")
        self._question_coverage[question.id] = coverage
        asked = _check("Asked", question.id in card.asked, "mlscreen-asked")
        asked.observe(lambda c: self._apply(card.mark_asked, question.id, c["new"]), "value")
        self._asked[question.id] = asked
        items: list[widgets.Widget] = [
            _html(
                f"<b>{_esc(question.topic)}</b><div>{_esc(question.prompt)}</div>"
                f"<div class='mlscreen-muted'>{_esc(question.intent)}</div>",
                "mlscreen-prompt",
            ),
            widgets.HBox([asked, coverage]),
        ]
        for point in question.points:
            items.append(self._tick_box(point.id, point.text, "mlscreen-point"))
        if question.red_flags:
            items.append(_html(_SUBHEAD.format("Red flags"), "mlscreen-label"))
            items += [self._tick_box(f.id, f.text, "mlscreen-red-flag") for f in question.red_flags]
        if question.followups:
            items.append(_html(_SUBHEAD.format("Follow-ups asked"), "mlscreen-label"))
            items += [self._followup_box(f.id, f.text) for f in question.followups]
        note = widgets.Textarea(
            value=card.question_notes.get(question.id, ""), placeholder="Notes on this answer",
            continuous_update=True, layout=widgets.Layout(width="100%", height="48px"),
        )
        note.add_class("mlscreen-question-note")
        note.observe(lambda c: self._apply(card.set_question_note, question.id, c["new"]), "value")
        self._question_notes[question.id] = note
        items.append(note)
        box = widgets.VBox(items)
        box.add_class("mlscreen-question")
        box.add_class(f"mlscreen-question-{question.id}")
        return box

    def _tick_box(self, point_id: str, text: str, css: str) -> widgets.Checkbox:
        box = _check(text, self._card.is_ticked(point_id), css)
        box.observe(lambda c: self._apply(self._card.tick, point_id, c["new"]), "value")
        self._points[point_id] = box
        return box

    def _followup_box(self, followup_id: str, text: str) -> widgets.Checkbox:
        box = _check(text, followup_id in self._card.followups_asked, "mlscreen-followup")
        box.observe(lambda c: self._apply(self._card.ask_followup, followup_id, c["new"]), "value")
        self._followups[followup_id] = box
        return box

    def _rubric(self, rubric: Rubric) -> widgets.VBox:
        rows: list[widgets.Widget] = [
            _html(f"<h4>{_esc(rubric.name)}</h4>", "mlscreen-rubric-title"),
            _html(f"<div class='mlscreen-muted'>{_esc(rubric.note)}</div>", "mlscreen-rubric-note"),
        ]
        for category in rubric.categories:
            rows += self._category(category)
        rows.append(widgets.HBox([self._total, self._verdict]))
        box = widgets.VBox(rows, layout=widgets.Layout(flex="1 1 auto"))
        box.add_class("mlscreen-rubric")
        return box

    def _category(self, category: RubricCategory) -> list[widgets.Widget]:
        """A category's name, a clear button, and its levels with their descriptors."""
        set_level = self._card.set_level
        choice = widgets.RadioButtons(
            options=[(f"{v.score} {v.label}: {v.descriptor}", v.score) for v in category.levels],
            value=self._card.level(category.id),
            layout=widgets.Layout(width="auto"),
        )
        choice.add_class("mlscreen-level")
        choice.add_class(f"mlscreen-level-{category.id}")
        choice.observe(lambda c: self._apply(set_level, category.id, c["new"]), "value")
        clear = widgets.Button(description="clear", layout=widgets.Layout(width="auto"))
        clear.add_class("mlscreen-level-clear")
        clear.on_click(lambda _: self._apply(set_level, category.id, None))
        self._levels[category.id] = choice
        name = _html(f"<b>{_esc(category.name)}</b>", "mlscreen-category")
        return [widgets.HBox([name, clear]), choice]

    # forwarding and refreshing ----------------------------------------------------------
    def _apply(self, change: Callable, *args) -> None:
        """Forward a change to the scorecard; on failure show why and show the saved state."""
        if self._refreshing:
            return
        try:
            change(*args)
        except (OSError, ValueError, KeyError) as err:
            self._error.show(err)
        else:
            self._error.show(None)
        self.refresh()

    def _on_timer(self, change: dict) -> None:
        self._apply(self._card.start_timer if change["new"] else self._card.stop_timer)

    def refresh(self) -> None:
        """Show the scorecard's current state in every widget."""
        self._refreshing = True
        try:
            self._refresh_inputs()
        finally:
            self._refreshing = False
        self._refresh_counts()
        self.refresh_timer()

    def _refresh_inputs(self) -> None:
        card = self._card
        self._timer_button.value = card.timer_running
        self._timer_button.description = "Stop timer" if card.timer_running else "Start timer"
        for question_id, box in self._asked.items():
            box.value = question_id in card.asked
        for point_id, box in self._points.items():
            box.value = card.is_ticked(point_id)
        for followup_id, box in self._followups.items():
            box.value = followup_id in card.followups_asked
        for category_id, choice in self._levels.items():
            choice.value = card.level(category_id)
        for question_id, note in self._question_notes.items():
            note.value = card.question_notes.get(question_id, "")
        self._notes.value = card.notes

    def _refresh_counts(self) -> None:
        card = self._card
        for question_id, label in self._question_coverage.items():
            heard, count = card.question_points(question_id)
            label.value = f"<span class='mlscreen-muted'>&nbsp;{heard} / {count} points heard"
        counted = len(card.covered_questions)
        self._coverage.value = (
            f"Coverage: <b>{card.points_ticked} / {card.points_expected}</b> expected points "
            f"({card.coverage:.0%}) over {counted} question{'s' * (counted != 1)}&nbsp;&nbsp;"
        )
        if card.updated_at is not None:
            saved = time.strftime("%H:%M:%S", time.localtime(card.updated_at))
            self._saved_at.value = f"<span class='mlscreen-muted'>Last saved {saved}&nbsp;</span>"
        flags = len(card.red_flags)
        flag_text = f"{flags} red flag{'s' * (flags != 1)}"
        self._flag_count.value = _badge(flag_text, "over" if flags else "none")
        rubric = card.rubric
        if card.total is None:
            self._total.value = (
                f"Total: <b>{card.partial_total} / {card.max_total}</b> so far "
                f"({card.categories_scored} of {len(rubric.categories)} scored; "
                f"pass at {rubric.pass_at})&nbsp;"
            )
        else:
            self._total.value = (
                f"Total: <b>{card.total} / {card.max_total}</b> (pass at {rubric.pass_at})&nbsp;"
            )
        self._verdict.value = _badge(str(card.verdict), _kind(card.verdict))

    def refresh_timer(self) -> None:
        """Show the time spent against the planned duration (display only; safe from a thread)."""
        card = self._card
        self._timer_text.value = (
            f"&nbsp;<b>{_clock_text(card.elapsed_seconds)}</b> of {_planned_text(card.stage)} planned "
            + (_badge("over time", "over") if card.over_time else "")
        )


class _AutogradedScores(widgets.VBox):
    """The candidate's autograded coding scores, read again on demand."""

    def __init__(self, source: ScoresSource) -> None:
        super().__init__(layout=widgets.Layout(min_width="260px", margin="0 0 0 16px"))
        self.add_class("mlscreen-autograded")
        self._source = source
        self._table = _html("", "mlscreen-autograded-table")
        reload = widgets.Button(description="Reload scores", layout=widgets.Layout(width="auto"))
        reload.add_class("mlscreen-autograded-reload")
        reload.on_click(lambda _: self.refresh())
        title = _html("<h4>Autograded coding screen</h4>", "mlscreen-label")
        self.children = [title, self._table, reload]
        self.refresh()

    def refresh(self) -> None:
        try:
            scores = list(self._source())
        except Exception as err:  # a locked or damaged gradebook must not break the interview
            self._table.value = f"<span class='mlscreen-error'>Gradebook unreadable: {_esc(err)}"
            return
        if not scores:
            self._table.value = "<span class='mlscreen-muted'>No autograded scores yet.</span>"
            return
        rows = "".join(
            f"<tr><td>{_esc(s.notebook)}</td><td>{s.score:g} / {s.max_score:g}</td>"
            f"<td>{'needs manual grade' if s.needs_manual_grade else ''}</td></tr>"
            for s in scores
        )
        total = sum(s.score for s in scores)
        most = sum(s.max_score for s in scores)
        self._table.value = (
            f"<table>{rows}<tr><td><b>Total</b></td><td><b>{total:g} / {most:g}</b></td>"
            "<td></td></tr></table>"
        )


class _PendingStage(widgets.VBox):
    """A stage this interviewer has not begun: what it covers, and a button to begin it."""

    def __init__(
        self, stage: Stage, planned: Sequence[Question], begin: Callable[[], None]
    ) -> None:
        super().__init__()
        self.add_class("mlscreen-stage-pending")
        prompts = "".join(f"<li>{_esc(q.prompt)}</li>" for q in planned)
        button = widgets.Button(description=f"Begin {stage.name}", button_style="primary",
                                layout=widgets.Layout(width="auto"))
        button.add_class("mlscreen-begin")
        button.on_click(lambda _: begin())
        self.children = [
            _html(
                f"<h3>{_esc(stage.name)}</h3><div class='mlscreen-muted'>"
                f"{_esc(stage.interviewer_role)} · planned {_planned_text(stage)}</div>"
                f"<p>{_esc(stage.description)}</p><ul>{prompts}</ul>",
                "mlscreen-stage-intro",
            ),
            button,
        ]


class InterviewView(widgets.VBox):
    """One interviewer's session with one candidate: a tab per stage of the role profile.

    A stage's scorecard is created when the interviewer begins that stage; stages begun
    earlier are opened from disk as they were left.
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
        self._error = _ErrorLine()
        self._stages: dict[str, StageView] = {}
        self._badges = _html("", "mlscreen-stage-badges")
        self._recommendation = _html("", "mlscreen-recommendation")
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
            widgets.HTML(_STYLE),
            _html(
                f"<h2>Candidate {_esc(candidate)}</h2>"
                f"<div>Interviewer <b>{_esc(interviewer)}</b> · role profile "
                f"<b>{_esc(self._profile.name)}</b> ({_esc(self._profile.focus)})</div>"
                f"<div class='mlscreen-muted'>{_esc(self._profile.description)}</div>",
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
            _close_tree(child)
        super().close()

    def _pending(self, stage_id: str) -> _PendingStage:
        planned = self._store.bank.planned_questions(self._profile.id, stage_id)
        stage = self._store.bank.stage(stage_id)
        return _PendingStage(stage, planned, lambda: self._begin_safely(stage_id))

    def _begin_safely(self, stage_id: str) -> None:
        try:
            self.begin(stage_id)
        except (OSError, ValueError) as err:
            self._error.show(err)
        else:
            self._error.show(None)

    def _show_stage(self, card: Scorecard) -> None:
        scores = self._coding_scores if card.stage_id == CODING_STAGE else None
        view = StageView(card, coding_scores=scores)
        card.on_change(lambda _card: self._refresh_summary())
        self._stages[card.stage_id] = view
        self._pages[card.stage_id].children = [view]

    def _refresh_summary(self) -> None:
        badges = []
        for stage_id in self._profile.stages:
            name = self._store.bank.stage(stage_id).name
            view = self._stages.get(stage_id)
            if view is None:
                badges.append(f"{_esc(name)} {_badge('not begun', 'none')}")
                continue
            card = view.card
            total = "–" if card.total is None else str(card.total)
            verdict = _badge(str(card.verdict), _kind(card.verdict))
            badges.append(f"{_esc(name)} <b>{total}/{card.max_total}</b> {verdict}")
        self._badges.value = "Your scores: " + " &nbsp;·&nbsp; ".join(badges)
        try:
            recommendation = self._store.recommendation(self._candidate)
        except (OSError, ValueError) as err:
            self._recommendation.value = f"<span class='mlscreen-error'>{_esc(err)}</span>"
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
    reasons = "".join(f"<li>{_esc(r)}</li>" for r in recommendation.reasons)
    return (
        f"<div>Panel recommendation: {_badge(decision + provisional, _kind(decision))}</div>"
        f"<details><summary class='mlscreen-muted'>why</summary><ul>{reasons}</ul></details>"
    )


class SessionPicker(widgets.VBox):
    """Pick the candidate, the interviewer and the role profile, then open the session."""

    def __init__(
        self,
        *,
        candidates: Sequence[str],
        profiles: Sequence[RoleProfile],
        candidate: str = "",
        interviewer: str = "",
        profile: str | None = None,
        profile_of: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.add_class("mlscreen-picker")
        self._profile_of = profile_of
        self._on_open: Callable[[str, str, str], object] | None = None
        self._candidate = widgets.Combobox(
            value=candidate, options=list(candidates), description="Candidate",
            placeholder="candidate id, e.g. cand-01", ensure_option=False,
        )
        self._candidate.add_class("mlscreen-candidate")
        self._interviewer = widgets.Text(value=interviewer, description="Interviewer",
                                         placeholder="your id, e.g. alice")
        self._interviewer.add_class("mlscreen-interviewer")
        self._profile = widgets.Dropdown(
            options=[(f"{p.name} ({p.focus})", p.id) for p in profiles],
            value=profile if profile in {p.id for p in profiles} else profiles[0].id,
            description="Role profile", style={"description_width": "initial"},
        )
        self._profile.add_class("mlscreen-profile")
        self._candidate.observe(self._on_candidate, "value")
        self._button = widgets.Button(description="Open scorecard", button_style="primary")
        self._button.add_class("mlscreen-open")
        self._button.on_click(lambda _: self.submit())
        self._error = _ErrorLine()
        self.children = [
            widgets.HTML(_STYLE), self._candidate, self._interviewer, self._profile,
            self._button, self._error,
        ]

    def _on_candidate(self, change: dict) -> None:
        """A candidate screened before keeps the role profile on their scorecards."""
        known = self._profile_of(change["new"].strip()) if self._profile_of else None
        if known in {value for _, value in self._profile.options}:
            self._profile.value = known

    def on_open(self, callback: Callable[[str, str, str], object]) -> None:
        """Call `callback(candidate, interviewer, profile)` when the interviewer opens a session."""
        self._on_open = callback

    def submit(self) -> None:
        """Ask for the session picked; show why if it cannot be opened."""
        if self._on_open is None:
            return
        try:
            self._on_open(
                self._candidate.value.strip(), self._interviewer.value.strip(), self._profile.value
            )
        except (OSError, ValueError, KeyError) as err:
            self._error.value = _esc(err)
        else:
            self._error.value = ""


class CompanionView(widgets.VBox):
    """The picker until a session is open, then that session with a way back to the picker."""

    def __init__(self, picker: SessionPicker, open_session: SessionOpener) -> None:
        super().__init__()
        self.add_class("mlscreen-companion")
        self._open_session = open_session
        self._picker = picker
        picker.on_open(self.open_session)
        self._session: InterviewView | None = None
        switch = widgets.Button(description="Change candidate or interviewer",
                                icon="exchange", layout=widgets.Layout(width="auto"))
        switch.add_class("mlscreen-switch")
        switch.on_click(lambda _: self._show_picker())
        self._switch = switch
        self.children = [self._picker]

    @property
    def session(self) -> InterviewView | None:
        """The open session, if any."""
        return self._session

    def open_session(self, candidate: str, interviewer: str, profile: str) -> InterviewView:
        """Open a session (errors propagate to the caller, e.g. the picker)."""
        session = self._open_session(candidate, interviewer, profile)
        self._close_session()
        self._session = session
        self.children = [widgets.HBox([self._switch]), session]
        return session

    def close(self) -> None:
        """Close the open session, the picker and this view."""
        self._close_session()
        for part in (getattr(self, "_picker", None), getattr(self, "_switch", None)):
            if part is not None:
                _close_tree(part)
        super().close()

    def _show_picker(self) -> None:
        self._close_session()
        self.children = [self._picker]

    def _close_session(self) -> None:
        if getattr(self, "_session", None) is not None:
            self._session.close()
            self._session = None
