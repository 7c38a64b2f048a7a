"""The candidate's autograded coding-screen scores, shown beside a stage's rubric.

Which stage shows them is the bank's choice (`Stage.shows_autograded_scores`); where the
scores come from is the caller's (a function, read again when the interviewer reloads).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .widget_parts import esc, html_widget

if TYPE_CHECKING:
    from ..course.gradebook import NotebookScore

ScoresSource = Callable[[], Sequence["NotebookScore"]]


class AutogradedScores(widgets.VBox):
    """The candidate's autograded coding scores, read again on demand."""

    def __init__(self, source: ScoresSource) -> None:
        super().__init__(layout=widgets.Layout(min_width="260px", margin="0 0 0 16px"))
        self.add_class("mlscreen-autograded")
        self._source = source
        self._table = html_widget("", "mlscreen-autograded-table")
        reload = widgets.Button(description="Reload scores", layout=widgets.Layout(width="auto"))
        reload.add_class("mlscreen-autograded-reload")
        reload.on_click(lambda _: self.refresh())
        title = html_widget("<h4>Autograded coding screen</h4>", "mlscreen-label")
        self.children = [title, self._table, reload]
        self.refresh()

    def refresh(self) -> None:
        """Read the scores again and show them, with their total."""
        try:
            scores = list(self._source())
        except Exception as err:  # a locked or damaged gradebook must not break the interview
            self._table.value = f"<span class='mlscreen-error'>Gradebook unreadable: {esc(err)}"
            return
        if not scores:
            self._table.value = "<span class='mlscreen-muted'>No autograded scores yet.</span>"
            return
        # Imported here, not above: the gradebook module loads nbgrader (seconds), which a
        # source that found scores has loaded already.
        from ..course.gradebook import notebook_totals

        rows = "".join(
            f"<tr><td>{esc(s.notebook)}</td><td>{s.score:g} / {s.max_score:g}</td>"
            f"<td>{'needs manual grade' if s.needs_manual_grade else ''}</td></tr>"
            for s in scores
        )
        total, most, _ = notebook_totals(scores)
        self._table.value = (
            f"<table>{rows}<tr><td><b>Total</b></td><td><b>{total:g} / {most:g}</b></td>"
            "<td></td></tr></table>"
        )
