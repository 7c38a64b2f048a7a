"""The panel beside a stage: everyone's submitted card side by side, once the viewer submitted.

Before the viewer submits their own card it shows one sentence and holds nothing else: no
other interviewer's levels, ticks, notes or totals reach the widget (or the browser).
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from .blind import StageCards
from .panel import describe_flag
from .widget_parts import SUBHEAD, badge, esc, html_widget, kind

PanelSource = Callable[[], StageCards]

HIDDEN_TEXT = (
    "Other interviewers' scorecards for this stage are hidden until you submit yours; "
    "then you see everyone's side by side."
)


class PanelBox(widgets.VBox):
    """Everyone's submitted card for one stage, read again on `refresh`."""

    def __init__(self, source: PanelSource) -> None:
        super().__init__()
        self.add_class("mlscreen-panel")
        self._source = source
        self._table = html_widget("", "mlscreen-panel-table")
        reload = widgets.Button(description="Refresh panel", layout=widgets.Layout(width="auto"))
        reload.add_class("mlscreen-panel-refresh")
        reload.on_click(lambda _: self.refresh())
        self._reload = reload
        self.children = [html_widget(SUBHEAD.format("Panel"), "mlscreen-label"), self._table]
        self.refresh()

    def refresh(self) -> None:
        """Read the stage's cards again and show what the viewer may see."""
        try:
            stage = self._source()
        except (OSError, ValueError) as err:
            self._table.value = f"<span class='mlscreen-error'>{esc(err)}</span>"
            return
        if not stage.open:
            self._table.value = f"<div class='mlscreen-panel-hidden mlscreen-muted'>{HIDDEN_TEXT}"
            self.children = [self.children[0], self._table]
            return
        self._table.value = _panel_html(stage)
        self.children = [self.children[0], self._table, self._reload]


def _panel_html(stage: StageCards) -> str:
    panel, cards = stage.panel, sorted(stage.cards, key=lambda c: c.interviewer)
    if panel is None or not cards:
        return "<div class='mlscreen-muted'>No submitted scorecard for this stage yet.</div>"
    heads = "".join(f"<th>{esc(c.interviewer)}</th>" for c in cards)
    rows = []
    for category in panel.categories:
        cells = "".join(f"<td>{category.level_of(c.interviewer) or '–'}</td>" for c in cards)
        median = "–" if category.median is None else f"{category.median:g}"
        flag = badge(f"differ by {category.spread}", "over") if category.flagged else ""
        rows.append(f"<tr><td>{esc(category.name)}</td>{cells}<td><b>{median}</b></td>"
                    f"<td>{flag}</td></tr>")
    totals = "".join(f"<td>{c.total if c.total is not None else '–'}</td>" for c in cards)
    total = "–" if panel.total is None else f"{panel.total:g}/{panel.max_total}"
    rows.append(f"<tr><td><b>Total</b></td>{totals}<td><b>{total}</b></td>"
                f"<td>{badge(str(panel.verdict), kind(panel.verdict))}</td></tr>")
    ticked = "".join(f"<td>{c.points_ticked}/{c.points_expected}</td>" for c in cards)
    rows.append(f"<tr><td>Points heard</td>{ticked}<td></td><td></td></tr>")
    flags = "".join(f"<td>{len(c.red_flags)}</td>" for c in cards)
    rows.append(f"<tr><td>Red flags</td>{flags}<td></td><td></td></tr>")
    notes = "".join(
        f"<li><b>{esc(c.interviewer)}</b>: "
        f"{esc(stage.names.redact(c.notes, c.candidate)) or '<i>no notes</i>'}</li>"
        for c in cards
    )
    debrief = "".join(f"<li>{esc(describe_flag(c))}</li>" for c in panel.flagged)
    debrief_html = ""
    if debrief:
        debrief_html = f"<div>For the debrief (2+ levels apart):<ul>{debrief}</ul></div>"
    return (
        f"<table class='mlscreen-panel-grid'><tr><th>Category</th>{heads}<th>Median</th><th></th>"
        f"</tr>{''.join(rows)}</table>{debrief_html}<div>Notes:<ul>{notes}</ul></div>"
    )
