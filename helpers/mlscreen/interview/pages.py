"""The one-page scorecard of a candidate, as one viewer may see it: Markdown, HTML and a chart."""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..bank import Bank
from ..common.charts import img_tag, new_figure, png_bytes
from ..common.ids import validate_id
from ..course.layout import Course
from .blind import DEBRIEF
from .recommendation import Recommendation, StageResult
from .store import ScorecardStore
from .summary import (
    CARD_HEADERS,
    CandidateSummary,
    candidate_summary,
    card_cells,
    card_details,
    panel_rows,
    profiles_text,
)
from .verdicts import Verdict

_VERDICT_COLOURS = {
    Verdict.CLEAR_FAIL: "#b2182b",
    Verdict.FAIL: "#ef8a62",
    Verdict.PASS: "#67a9cf",
    Verdict.STRONG_PASS: "#2166ac",
}


def rubric_chart_png(recommendation: Recommendation) -> bytes:
    """A small bar chart of each stage's rubric total (% of its maximum) with its pass mark."""
    stages = recommendation.stages
    figure, axes = new_figure(6.4, 0.45 * max(len(stages), 1) + 0.9)
    for row, result in enumerate(stages):
        pass_mark = 100 * result.pass_at / result.max_total
        axes.plot([pass_mark, pass_mark], [row - 0.4, row + 0.4], color="black", lw=1.2)
        if result.total is None:
            axes.text(1, row, "not scored", va="center", fontsize=8, color="grey")
            continue
        share = 100 * result.total / result.max_total
        axes.barh(row, share, height=0.6, color=_VERDICT_COLOURS[result.verdict])
        label = f"{result.total:g}/{result.max_total} {result.verdict}"
        axes.text(max(share, pass_mark) + 1.5, row, label, va="center", fontsize=8)
    axes.set_yticks(range(len(stages)), [_stage_label(r) for r in stages], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 130)
    axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel("rubric total, % of maximum (black line: pass mark)", fontsize=8)
    return png_bytes(figure)


def candidate_markdown(
    summary: CandidateSummary, bank: Bank, *, chart_file: str | None = None
) -> str:
    """The one-page scorecard as Markdown (`chart_file`: a PNG beside it to show)."""
    rec = summary.recommendation
    lines = [f"# Scorecard: {_md(summary.label)}", ""]
    lines += [f"Role profile: {_md(profiles_text(rec, bank))}", ""]
    lines += [f"Seen by: {_md(summary.viewer_text)}", ""]
    provisional = " (provisional)" if rec.provisional else ""
    lines += [f"**Recommendation: {rec.decision.upper()}**{provisional}", ""]
    lines += [f"- {_md(reason)}" for reason in rec.reasons] + [""]
    lines += [f"- {_md(line)}" for line in _waiting_lines(summary, bank)]
    if chart_file:
        lines += [f"![Rubric totals by stage]({chart_file})", ""]
    lines += [_md_row(CARD_HEADERS), "|" + "---|" * len(CARD_HEADERS)]
    lines += [_md_row(card_cells(card)) for card in summary.cards]
    lines += ["", f"Autograded coding screen: {_md(summary.autograded)}", ""]
    for panel in summary.panels:
        header, rows = panel_rows(panel)
        lines += [f"## Panel: {_md(panel.name)}", "", _md_row(header)]
        lines += ["|" + "---|" * len(header)] + [_md_row(row) for row in rows] + [""]
    for card in summary.cards:
        lines += [f"## {_md(card.stage.name)}: {_md(card.interviewer)}", ""]
        lines += [f"- {_md(line)}" for line in card_details(card, summary.names)] + [""]
    return "\n".join(lines)


def candidate_html(summary: CandidateSummary, bank: Bank) -> str:
    """The one-page scorecard as a standalone HTML page with the chart embedded."""
    rec = summary.recommendation
    chart = img_tag(rubric_chart_png(rec), "Rubric totals by stage")
    esc = html.escape
    rows = "".join(_html_row(card_cells(card)) for card in summary.cards)
    panels = ""
    for panel in summary.panels:
        header, panel_lines = panel_rows(panel)
        panels += (
            f"<h2>Panel: {esc(panel.name)}</h2><table class='panel'><thead>"
            + _html_row(header, "th") + "</thead><tbody>"
            + "".join(_html_row(row) for row in panel_lines) + "</tbody></table>"
        )
    sections = "".join(
        f"<h2>{esc(card.stage.name)}: {esc(card.interviewer)}</h2><ul>"
        + "".join(f"<li>{esc(line)}</li>" for line in card_details(card, summary.names))
        + "</ul>"
        for card in summary.cards
    )
    reasons = "".join(f"<li>{esc(r)}</li>" for r in (*rec.reasons, *_waiting_lines(summary, bank)))
    provisional = " <small>(provisional)</small>" if rec.provisional else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Scorecard: {esc(summary.label)}</title>
<style>
@page {{ size: A4; margin: 14mm; }}
body {{ font: 11px/1.35 system-ui, sans-serif; max-width: 190mm; margin: auto; color: #222; }}
h1 {{ font-size: 18px; margin: 0 0 4px; }} h2 {{ font-size: 13px; margin: 10px 0 2px; }}
table {{ border-collapse: collapse; width: 100%; margin: 6px 0; }}
th, td {{ border: 1px solid #ccc; padding: 2px 5px; text-align: left; }}
ul {{ margin: 2px 0; padding-left: 18px; }}
.decision {{ font-size: 14px; font-weight: bold; }}
img {{ max-width: 100%; }}
</style></head>
<body>
<h1>Scorecard: {esc(summary.label)}</h1>
<p>Role profile: {esc(profiles_text(rec, bank))}</p>
<p>Seen by: {esc(summary.viewer_text)}</p>
<p class="decision">Recommendation: {esc(rec.decision.upper())}{provisional}</p>
<ul class="reasons">{reasons}</ul>
{chart}
<table><thead>{_html_row(CARD_HEADERS, "th")}</thead><tbody>{rows}</tbody></table>
<p>Autograded coding screen: {esc(summary.autograded)}</p>
{panels}
{sections}
</body></html>
"""


def write_candidate_scorecard(
    *,
    course: Course,
    candidate: str,
    out_dir: Path | None = None,
    store: ScorecardStore | None = None,
    viewer: str | None = DEBRIEF,
) -> dict[str, Path]:
    """Write `<candidate>.md`, `<candidate>.png` and `<candidate>.html`; returns their paths.

    The default folder is `scorecards/` in `reports_folder(course, viewer)`.
    """
    store = store or ScorecardStore(course)
    folder = Path(out_dir) if out_dir is not None else reports_folder(course, viewer) / "scorecards"
    folder.mkdir(parents=True, exist_ok=True)
    summary = candidate_summary(store, candidate, viewer)
    kinds = (("markdown", "md"), ("chart", "png"), ("html", "html"))
    paths = {kind: folder / f"{candidate}.{ext}" for kind, ext in kinds}
    paths["chart"].write_bytes(rubric_chart_png(summary.recommendation))
    paths["markdown"].write_text(
        candidate_markdown(summary, store.bank, chart_file=paths["chart"].name), encoding="utf-8"
    )
    paths["html"].write_text(candidate_html(summary, store.bank), encoding="utf-8")
    return paths


def reports_folder(course: Course, viewer: str | None) -> Path:
    """`reports/` for the debrief, `reports/interviewers/<viewer>/` for an interviewer's."""
    if viewer is DEBRIEF:
        return course.reports
    return course.reports / "interviewers" / validate_id(viewer, "interviewer id")


def _waiting_lines(summary: CandidateSummary, bank: Bank) -> list[str]:
    return [
        f"waiting for {who}'s {bank.stage(stage).name} scorecard: that stage is withheld "
        "until every card of it is submitted"
        for stage, who in summary.waiting
    ]


def _stage_label(result: StageResult) -> str:
    return result.name + (" (core)" if result.core else "")


def _md_row(cells) -> str:
    return "| " + " | ".join(_md(cell) for cell in cells) + " |"


def _html_row(cells, tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"


def _md(text: object) -> str:
    """Text safe inside a Markdown line or table cell."""
    flat = " ".join(str(text).split())
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", flat)
