"""Small pieces every companion widget shares: the stylesheet, badges, text and the error line.

Nothing here knows a scorecard; the views in `stage_view`, `session_view` and
`companion_view` build on these.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..bank import Stage

SUBHEAD = "<div class='mlscreen-subhead'>{}</div>"
STYLE = """
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
.mlscreen-panel-grid { border-collapse: collapse; margin: 4px 0; }
.mlscreen-panel-grid th, .mlscreen-panel-grid td { border: 1px solid #ddd; padding: 2px 8px;
  text-align: center; }
.mlscreen-panel-grid td:first-child { text-align: left; }
</style>
"""


def esc(text: object) -> str:
    return html.escape(str(text))


def badge(text: str, kind: str) -> str:
    return f'<span class="mlscreen-badge mlscreen-badge-{kind}">{esc(text)}</span>'


def kind(value: str) -> str:
    """A CSS-friendly form of a verdict or decision ('strong pass' -> 'strong-pass')."""
    return value.replace(" ", "-")


def clock_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def planned_text(stage: Stage) -> str:
    if stage.min_minutes == stage.max_minutes:
        return f"{stage.min_minutes} min"
    return f"{stage.min_minutes}–{stage.max_minutes} min"


def html_widget(value: str, css: str) -> widgets.HTML:
    widget = widgets.HTML(value)
    widget.add_class(css)
    return widget


def close_tree(widget: widgets.Widget) -> None:
    """Close a widget and everything it contains."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, widgets.Widget):
            part.close()
    widget.close()


def check_box(description: str, value: bool, css: str) -> widgets.Checkbox:
    box = widgets.Checkbox(
        value=value, description=description, indent=False, layout=widgets.Layout(width="auto")
    )
    box.add_class(css)
    box.add_class("mlscreen-item")
    return box


class ErrorLine(widgets.HTML):
    """Shows the last failure to save (empty when the last change was saved)."""

    def __init__(self) -> None:
        super().__init__("")
        self.add_class("mlscreen-error")

    def show(self, err: Exception | None) -> None:
        self.value = "" if err is None else f"Not saved: {esc(err)}"

    def warn(self, message: str) -> None:
        self.value = esc(message)
