"""Submitting a stage's scorecard from the companion: submit, amend with a reason, or cancel.

The bar shows where the card stands (draft, submitted and locked, amendment under way) with
the time and content hash of each submission and what each amendment changed. It forwards
every click to the scorecard and calls `on_change` so the stage can lock or unlock its inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from .scorecard import Scorecard
from .submission import changes
from .summary import stamp
from .widget_parts import esc, html_widget


class SubmitBar(widgets.VBox):
    """Submit (or amend) one scorecard; the card decides what is allowed."""

    def __init__(self, card: Scorecard, on_change: Callable[[], None]) -> None:
        super().__init__()
        self.add_class("mlscreen-submission")
        self._card = card
        self._on_change = on_change
        self._status = html_widget("", "mlscreen-submission-status")
        self._error = html_widget("", "mlscreen-submission-error")
        self._submit = widgets.Button(button_style="success", icon="lock",
                                      layout=widgets.Layout(width="auto"))
        self._submit.add_class("mlscreen-submit")
        self._submit.on_click(lambda _: self._do(card.submit))
        self._reason = widgets.Text(placeholder="Why change a submitted scorecard?",
                                    layout=widgets.Layout(width="420px"))
        self._reason.add_class("mlscreen-amend-reason")
        self._amend = widgets.Button(description="Amend", icon="pencil",
                                     layout=widgets.Layout(width="auto"))
        self._amend.add_class("mlscreen-amend")
        self._amend.on_click(lambda _: self._do(card.amend, self._reason.value))
        self._cancel = widgets.Button(description="Cancel amendment",
                                      layout=widgets.Layout(width="auto"))
        self._cancel.add_class("mlscreen-amend-cancel")
        self._cancel.on_click(lambda _: self._do(card.cancel_amendment))
        self._row = widgets.HBox()
        self.children = [self._status, self._row, self._error]
        self.refresh()

    def _do(self, action: Callable, *args) -> None:
        try:
            action(*args)
        except (OSError, ValueError) as err:
            self._error.value = f"<span class='mlscreen-error'>{esc(err)}</span>"
        else:
            self._error.value = ""
            self._reason.value = ""
        self._on_change()

    def refresh(self) -> None:
        """Show the card's submission state and the buttons that fit it."""
        card = self._card
        self._status.value = _status_html(card)
        if card.locked:
            self._row.children = [self._reason, self._amend]
        else:
            self._submit.description = "Submit amendment" if card.amending else "Submit scorecard"
            self._submit.disabled = not card.is_scored
            self._row.children = [self._submit, *([self._cancel] if card.amending else [])]


def _status_html(card: Scorecard) -> str:
    log = card.submissions
    if not log:
        todo = "" if card.is_scored else " Score every rubric category to submit."
        return (f"<b>Draft</b>: not submitted. Other interviewers' cards stay hidden until you "
                f"submit; once submitted, a change is an amendment with its reason.{todo}")
    lines = [f"<b>Submitted</b> {stamp(log[0].at)} · content hash <code>{log[0].hash[:12]}</code>"]
    for before, entry in zip(log, log[1:]):
        changed = "; ".join(changes(before.content, entry.content))
        lines.append(f"<b>Amended</b> {stamp(entry.at)} · <code>{entry.hash[:12]}</code> · "
                     f"reason: {esc(entry.reason)} · changed: {esc(changed)}")
    if card.amending:
        lines.append(f"<b>Amendment under way</b> (reason: {esc(card.amending)}): change the "
                     "card, then submit the amendment, or cancel it.")
    else:
        lines.append("Locked: amend it, with a reason, to change it.")
    if card.integrity:
        lines.append(f"<span class='mlscreen-error'>Not as submitted: {esc(card.integrity)}</span>")
    return "<br>".join(lines)
