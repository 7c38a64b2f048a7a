"""One stage of one interviewer's scorecard as widgets: points, follow-ups, rubric, timer, notes.

The widgets hold no scoring logic: every change is forwarded to the scorecard (which saves
it before returning) and every display is refreshed from the scorecard's own answers. A
submitted card's inputs are disabled until an amendment is opened (`submit_view`); the
panel of everyone's cards (`panel_view`) shows only once this interviewer has submitted.
Widgets carry `mlscreen-*` CSS classes so that tests and styles can find them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import ipywidgets as widgets

from ..bank import Question, Rubric, RubricCategory, Stage
from .autograded_view import AutogradedScores, ScoresSource
from .panel_view import PanelBox, PanelSource
from .scorecard import Scorecard
from .submit_view import SubmitBar
from .widget_parts import (
    SUBHEAD,
    ErrorLine,
    badge,
    check_box,
    clock_text,
    esc,
    html_widget,
    kind,
    planned_text,
)


class StageView(widgets.VBox):
    """One stage of one interviewer's scorecard: points, follow-ups, rubric, timer, notes."""

    def __init__(
        self,
        card: Scorecard,
        *,
        coding_scores: ScoresSource | None = None,
        panel: PanelSource | None = None,
    ) -> None:
        super().__init__()
        self.add_class("mlscreen-stage")
        self.add_class(f"mlscreen-stage-{card.stage_id}")
        self._card = card
        self._refreshing = False
        self._error = ErrorLine()
        self._asked: dict[str, widgets.Checkbox] = {}
        self._points: dict[str, widgets.Checkbox] = {}
        self._followups: dict[str, widgets.Checkbox] = {}
        self._question_notes: dict[str, widgets.Textarea] = {}
        self._question_coverage: dict[str, widgets.HTML] = {}
        self._levels: dict[str, widgets.RadioButtons] = {}
        self._clears: list[widgets.Button] = []
        self._coverage = html_widget("", "mlscreen-stage-coverage")
        self._flag_count = html_widget("", "mlscreen-red-flag-count")
        self._saved_at = html_widget("", "mlscreen-saved")
        self._total = html_widget("", "mlscreen-total")
        self._verdict = html_widget("", "mlscreen-verdict")
        self._timer_text = html_widget("", "mlscreen-timer")
        self._timer_button = widgets.ToggleButton(value=card.timer_running, icon="clock-o")
        self._timer_button.add_class("mlscreen-timer-toggle")
        self._timer_button.observe(self._on_timer, "value")
        self._notes = widgets.Textarea(
            value=card.notes, placeholder="Notes on this stage (saved as you type)",
            continuous_update=True, layout=widgets.Layout(width="100%", height="120px"),
        )
        self._notes.add_class("mlscreen-notes")
        self._notes.observe(lambda c: self._apply(card.set_notes, c["new"]), "value")
        self._scores = AutogradedScores(coding_scores) if coding_scores else None
        self._panel = PanelBox(panel) if panel else None
        self._submission = SubmitBar(card, self._after_submission)

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
            html_widget(
                f"<h3>{esc(stage.name)}</h3><div class='mlscreen-muted'>"
                f"{esc(stage.interviewer_role)} · evaluates {esc(stage.evaluates)} · "
                f"planned {planned_text(stage)}</div><p>{esc(stage.description)}</p>",
                "mlscreen-stage-intro",
            ),
            widgets.HBox([self._timer_button, self._timer_text]),
            widgets.HBox([self._coverage, self._flag_count]),
            widgets.HBox([self._saved_at, self._error]),
            *[self._question(q) for q in planned],
            *([other_box] if others else []),
            widgets.HBox([rubric, self._scores]) if self._scores else rubric,
            html_widget(SUBHEAD.format("Notes"), "mlscreen-notes-title"),
            self._notes,
            self._submission,
            *([self._panel] if self._panel else []),
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
        coverage = html_widget("", "mlscreen-question-coverage")
        self._question_coverage[question.id] = coverage
        asked = check_box("Asked", question.id in card.asked, "mlscreen-asked")
        asked.observe(lambda c: self._apply(card.mark_asked, question.id, c["new"]), "value")
        self._asked[question.id] = asked
        items: list[widgets.Widget] = [
            html_widget(
                f"<b>{esc(question.topic)}</b><div>{esc(question.prompt)}</div>"
                f"<div class='mlscreen-muted'>{esc(question.intent)}</div>",
                "mlscreen-prompt",
            ),
            widgets.HBox([asked, coverage]),
        ]
        for point in question.points:
            items.append(self._tick_box(point.id, point.text, "mlscreen-point"))
        if question.red_flags:
            items.append(html_widget(SUBHEAD.format("Red flags"), "mlscreen-label"))
            items += [self._tick_box(f.id, f.text, "mlscreen-red-flag") for f in question.red_flags]
        if question.followups:
            items.append(html_widget(SUBHEAD.format("Follow-ups asked"), "mlscreen-label"))
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
        box = check_box(text, self._card.is_ticked(point_id), css)
        box.observe(lambda c: self._apply(self._card.tick, point_id, c["new"]), "value")
        self._points[point_id] = box
        return box

    def _followup_box(self, followup_id: str, text: str) -> widgets.Checkbox:
        box = check_box(text, followup_id in self._card.followups_asked, "mlscreen-followup")
        box.observe(lambda c: self._apply(self._card.ask_followup, followup_id, c["new"]), "value")
        self._followups[followup_id] = box
        return box

    def _rubric(self, rubric: Rubric) -> widgets.VBox:
        rows: list[widgets.Widget] = [
            html_widget(f"<h4>{esc(rubric.name)}</h4>", "mlscreen-rubric-title"),
            html_widget(
                f"<div class='mlscreen-muted'>{esc(rubric.note)}</div>", "mlscreen-rubric-note"
            ),
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
        self._clears.append(clear)
        self._levels[category.id] = choice
        name = html_widget(f"<b>{esc(category.name)}</b>", "mlscreen-category")
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

    def _after_submission(self) -> None:
        self.refresh()
        if self._panel is not None:
            self._panel.refresh()

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
        self._submission.refresh()

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
        locked = card.locked
        for box in (*self._asked.values(), *self._points.values(), *self._followups.values(),
                    *self._question_notes.values(), *self._levels.values(), *self._clears,
                    self._notes):
            box.disabled = locked
        self._timer_button.disabled = card.submitted

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
        self._flag_count.value = badge(flag_text, "over" if flags else "none")
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
        self._verdict.value = badge(str(card.verdict), kind(card.verdict))

    def refresh_timer(self) -> None:
        """Show the time spent against the planned duration (display only; safe from a thread)."""
        card = self._card
        planned = planned_text(card.stage)
        self._timer_text.value = (
            f"&nbsp;<b>{clock_text(card.elapsed_seconds)}</b> of {planned} planned "
            + (badge("over time", "over") if card.over_time else "")
        )


class PendingStageView(widgets.VBox):
    """A stage this interviewer has not begun: what it covers, and a button to begin it."""

    def __init__(
        self, stage: Stage, planned: Sequence[Question], begin: Callable[[], None]
    ) -> None:
        super().__init__()
        self.add_class("mlscreen-stage-pending")
        prompts = "".join(f"<li>{esc(q.prompt)}</li>" for q in planned)
        button = widgets.Button(description=f"Begin {stage.name}", button_style="primary",
                                layout=widgets.Layout(width="auto"))
        button.add_class("mlscreen-begin")
        button.on_click(lambda _: begin())
        self.children = [
            html_widget(
                f"<h3>{esc(stage.name)}</h3><div class='mlscreen-muted'>"
                f"{esc(stage.interviewer_role)} · planned {planned_text(stage)}</div>"
                f"<p>{esc(stage.description)}</p><ul>{prompts}</ul>",
                "mlscreen-stage-intro",
            ),
            button,
        ]
