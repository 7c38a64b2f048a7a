"""The calibration report (`mlscreen calibration`): charts, a text summary, a standalone page.

`write_calibration` reads the submitted scorecards of a folder (the course's `scorecards/`
by default), computes `calibration.calibrate` and writes `calibration.html` (charts
embedded) and `calibration.json` beside it. The notebook `notebooks/calibration.ipynb`
shows the same charts with `levels_chart_png`, `leniency_chart_png`, `agreement_chart_png`.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from pathlib import Path

from ..bank import LEVELS
from ..common.charts import img_tag, new_figure, png_bytes
from ..common.files import write_atomic
from ..course.layout import Course
from .calibration import WARN_BELOW, Agreement, Calibration, calibrate, ratings_of
from .store import ScorecardStore

_LEVEL_COLOURS = {1: "#b2182b", 2: "#ef8a62", 3: "#67a9cf", 4: "#2166ac"}


def panel_calibration(
    store: ScorecardStore, *, stage: str | None = None, replicates: int | None = None
) -> Calibration:
    """The calibration of every submitted card in the store (of one stage, if given)."""
    cards = [c for who in store.candidates() for c in store.scorecards(who)]
    if stage is not None:
        try:
            store.bank.stage(stage)
        except KeyError as err:
            raise ValueError(err.args[0]) from None
        cards = [c for c in cards if c.stage_id == stage]
    options = {} if replicates is None else {"replicates": replicates}
    return calibrate(ratings_of(cards), **options)


def levels_chart_png(cal: Calibration) -> bytes:
    """Per interviewer, the share of each level they gave (stacked bars)."""
    raters = cal.raters
    figure, axes = new_figure(6.4, 0.45 * max(len(raters), 1) + 1.1)
    for row, rater in enumerate(raters):
        left = 0.0
        for level in LEVELS:
            share = 100 * rater.counts[level] / rater.ratings if rater.ratings else 0
            axes.barh(row, share, left=left, height=0.6, color=_LEVEL_COLOURS[level],
                      label=f"level {level}" if row == 0 else None)
            if share >= 8:
                axes.text(left + share / 2, row, str(rater.counts[level]), ha="center",
                          va="center", fontsize=7, color="white")
            left += share
    axes.set_yticks(range(len(raters)), [f"{r.interviewer} ({r.ratings})" for r in raters],
                    fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("share of the levels given, % (count in the bar)", fontsize=8)
    if raters:
        axes.legend(fontsize=7, ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                    frameon=False)
    return png_bytes(figure)


def leniency_chart_png(cal: Calibration) -> bytes:
    """Per interviewer, the mean offset of their levels from the panel median."""
    raters = [r for r in cal.raters if r.leniency is not None]
    figure, axes = new_figure(6.4, 0.45 * max(len(raters), 1) + 0.9)
    for row, rater in enumerate(raters):
        colour = "#2166ac" if rater.leniency >= 0 else "#b2182b"
        axes.barh(row, rater.leniency, height=0.6, color=colour)
        axes.text(rater.leniency, row, f" {rater.leniency:+.2f} ", va="center", fontsize=8,
                  ha="left" if rater.leniency >= 0 else "right")
    axes.axvline(0, color="black", lw=1)
    axes.set_yticks(range(len(raters)), [f"{r.interviewer} ({r.compared})" for r in raters],
                    fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(-1.5, 1.5)
    axes.set_xlabel("leniency: mean level minus the panel median (items compared); "
                    "> 0 lenient, < 0 harsh", fontsize=8)
    return png_bytes(figure)


def agreement_chart_png(cal: Calibration) -> bytes:
    """Alpha and each pair's kappa with their bootstrap intervals, and the 0.6 line."""
    rows = [cal.alpha, *cal.kappas]
    figure, axes = new_figure(6.4, 0.42 * len(rows) + 0.9)
    for row, agreement in enumerate(rows):
        if agreement.value is None:
            axes.text(-0.95, row, "not computed: too few shared candidates", va="center",
                      fontsize=7, color="grey")
            continue
        colour = "#b2182b" if agreement.value < WARN_BELOW else "#2166ac"
        if agreement.interval is not None:
            axes.plot([agreement.interval.low, agreement.interval.high], [row, row],
                      color=colour, lw=2, alpha=0.5)
        axes.plot([agreement.value], [row], "o", color=colour)
        axes.text(agreement.value, row - 0.3, f"{agreement.value:.2f}", ha="center",
                  fontsize=7)
    axes.axvline(WARN_BELOW, color="black", ls="--", lw=1)
    axes.set_yticks(range(len(rows)), [_agreement_label(a) for a in rows], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(-1, 1)
    axes.set_xlabel(f"agreement (line: {WARN_BELOW}; bar: 95% bootstrap interval)", fontsize=8)
    return png_bytes(figure)


def calibration_text(cal: Calibration) -> str:
    """The report as plain text: warnings first, then interviewers and agreement."""
    lines = [f"WARNING: {w}" for w in cal.warnings]
    if not cal.ratings:
        lines.append("no submitted scorecards: nothing to calibrate yet")
        return "\n".join(lines)
    lines += ["", "interviewer  ratings  " + "  ".join(f"L{v}" for v in LEVELS) + "  leniency"]
    for r in cal.raters:
        counts = "  ".join(f"{r.counts[v]:>2}" for v in LEVELS)
        leniency = "   -" if r.leniency is None else f"{r.leniency:+.2f} ({r.compared} items)"
        lines.append(f"{r.interviewer:<12} {r.ratings:>7}  {counts}  {leniency}")
    lines += ["", "agreement"]
    for a in (cal.alpha, *cal.kappas):
        lines.append(f"  {_agreement_label(a):<34} {_value_text(a)}")
    return "\n".join(lines)


def calibration_html(cal: Calibration, *, title: str = "Interviewer calibration") -> str:
    """A standalone HTML page: warnings, the three charts, and the tables behind them."""
    esc = html.escape
    warnings = "".join(f"<li>{esc(w)}</li>" for w in cal.warnings) or "<li>none</li>"
    rater_rows = "".join(
        f"<tr><td>{esc(r.interviewer)}</td><td>{r.ratings}</td>"
        + "".join(f"<td>{r.counts[v]}</td>" for v in LEVELS)
        + f"<td>{'–' if r.leniency is None else f'{r.leniency:+.2f}'}</td>"
        + f"<td>{r.compared}</td></tr>"
        for r in cal.raters
    )
    agreement_rows = "".join(
        f"<tr><td>{esc(_agreement_label(a))}</td><td>{esc(_value_text(a))}</td>"
        f"<td>{a.candidates}</td><td>{a.items}</td></tr>"
        for a in (cal.alpha, *cal.kappas)
    )
    charts = "".join(
        img_tag(png, alt)
        for png, alt in (
            (levels_chart_png(cal), "Levels given by each interviewer"),
            (leniency_chart_png(cal), "Leniency of each interviewer"),
            (agreement_chart_png(cal), "Agreement with bootstrap intervals"),
        )
    )
    level_heads = "".join(f"<th>level {v}</th>" for v in LEVELS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font: 12px/1.4 system-ui, sans-serif; max-width: 900px; margin: 16px auto; color: #222; }}
table {{ border-collapse: collapse; margin: 6px 0 14px; }}
th, td {{ border: 1px solid #ccc; padding: 2px 6px; text-align: left; }}
.warnings li {{ color: #b71c1c; font-weight: 600; }}
img {{ display: block; max-width: 100%; margin: 8px 0; }}
</style></head><body>
<h1>{esc(title)}</h1>
<p>{cal.ratings} ratings from submitted scorecards. Agreement below {WARN_BELOW} means single
interviewers' levels should not stand alone; agreement is not computed with too few shared
candidates. Intervals: 95% bootstrap over candidates.</p>
<h2>Warnings</h2><ul class="warnings">{warnings}</ul>
{charts}
<h2>Interviewers</h2>
<table><thead><tr><th>interviewer</th><th>ratings</th>{level_heads}<th>leniency</th>
<th>items compared</th></tr></thead><tbody>{rater_rows}</tbody></table>
<h2>Agreement</h2>
<table><thead><tr><th>statistic</th><th>value [95% interval]</th><th>shared candidates</th>
<th>items</th></tr></thead><tbody>{agreement_rows}</tbody></table>
</body></html>
"""


def write_calibration(
    *,
    course: Course,
    scorecards: Path | None = None,
    out_dir: Path | None = None,
    stage: str | None = None,
    replicates: int | None = None,
) -> tuple[Calibration, dict[str, Path]]:
    """`mlscreen calibration`: compute and write `calibration.html` and `calibration.json`.

    `scorecards`: the folder of cards (default the course's); `out_dir`: default `reports/`.
    """
    store = ScorecardStore(course, folder=scorecards)
    cal = panel_calibration(store, stage=stage, replicates=replicates)
    folder = Path(out_dir) if out_dir is not None else course.reports
    title = "Interviewer calibration" + (f": {store.bank.stage(stage).name}" if stage else "")
    paths = {"html": folder / "calibration.html", "json": folder / "calibration.json"}
    write_atomic(paths["html"], calibration_html(cal, title=title))
    data = asdict(cal) | {"warnings": list(cal.warnings), "scorecards": str(store.folder)}
    write_atomic(paths["json"], json.dumps(data, indent=2, default=str) + "\n")
    return cal, paths


def _agreement_label(agreement: Agreement) -> str:
    if len(agreement.raters) == 2:
        return f"kappa {agreement.raters[0]} & {agreement.raters[1]}"
    return "alpha, whole panel"


def _value_text(agreement: Agreement) -> str:
    if agreement.value is None:
        return f"not computed ({agreement.candidates} shared candidates)"
    text = f"{agreement.value:.2f}"
    if agreement.interval is not None:
        text += f" [{agreement.interval.low:.2f}, {agreement.interval.high:.2f}]"
    flag = "  below 0.6" if agreement.value < WARN_BELOW else ""
    return f"{text} over {agreement.candidates} candidates{flag}"
