"""Scorecard exports: a one-page summary per candidate (Markdown, HTML) and one CSV of all cards."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..bank import Bank
from ..common.charts import img_tag, new_figure, png_bytes
from ..course.layout import Course
from .recommendation import Recommendation, StageResult
from .scorecard import Scorecard
from .store import ScorecardStore
from .verdicts import Verdict

CSV_COLUMNS = (
    "candidate",
    "profile",
    "stage",
    "stage_name",
    "core",
    "interviewer",
    "total",
    "max_total",
    "pass_at",
    "verdict",
    "passed",
    "coverage",
    "points_ticked",
    "points_expected",
    "questions_asked",
    "followups_asked",
    "red_flags",
    "levels",
    "elapsed_minutes",
    "updated_at",
    "recommendation",
    "provisional",
)

_NOTE_LIMIT = 400
_VERDICT_COLOURS = {
    Verdict.CLEAR_FAIL: "#b2182b",
    Verdict.FAIL: "#ef8a62",
    Verdict.PASS: "#67a9cf",
    Verdict.STRONG_PASS: "#2166ac",
}


@dataclass(frozen=True)
class CandidateSummary:
    """Everything the one-page scorecard shows about one candidate."""

    candidate: str
    cards: tuple[Scorecard, ...]
    recommendation: Recommendation
    autograded: str


def candidate_summary(store: ScorecardStore, candidate: str) -> CandidateSummary:
    """Gather a candidate's cards, recommendation and autograded coding score."""
    cards = tuple(store.scorecards(candidate))
    return CandidateSummary(
        candidate=candidate,
        cards=cards,
        recommendation=store.recommendation(candidate),
        autograded=_autograded_line(store.course, candidate),
    )


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
    lines = [f"# Scorecard: {_md(summary.candidate)}", ""]
    lines += [f"Role profile: {_md(_profiles_text(rec, bank))}", ""]
    provisional = " (provisional)" if rec.provisional else ""
    lines += [f"**Recommendation: {rec.decision.upper()}**{provisional}", ""]
    lines += [f"- {_md(reason)}" for reason in rec.reasons] + [""]
    if chart_file:
        lines += [f"![Rubric totals by stage]({chart_file})", ""]
    lines += ["| Stage | Interviewer | Score | Result | Coverage | Red flags | Time |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for card in summary.cards:
        lines.append("| " + " | ".join(_md(cell) for cell in _card_cells(card)) + " |")
    lines += ["", f"Autograded coding screen: {_md(summary.autograded)}", ""]
    for card in summary.cards:
        lines += [f"## {_md(card.stage.name)}: {_md(card.interviewer)}", ""]
        lines += [f"- {_md(line)}" for line in _card_details(card)] + [""]
    return "\n".join(lines)


def candidate_html(summary: CandidateSummary, bank: Bank) -> str:
    """The one-page scorecard as a standalone HTML page with the chart embedded."""
    rec = summary.recommendation
    chart = img_tag(rubric_chart_png(rec), "Rubric totals by stage")
    esc = html.escape
    rows = "".join(
        "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in _card_cells(card)) + "</tr>"
        for card in summary.cards
    )
    sections = "".join(
        f"<h2>{esc(card.stage.name)}: {esc(card.interviewer)}</h2><ul>"
        + "".join(f"<li>{esc(line)}</li>" for line in _card_details(card))
        + "</ul>"
        for card in summary.cards
    )
    reasons = "".join(f"<li>{esc(reason)}</li>" for reason in rec.reasons)
    provisional = " <small>(provisional)</small>" if rec.provisional else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Scorecard: {esc(summary.candidate)}</title>
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
<h1>Scorecard: {esc(summary.candidate)}</h1>
<p>Role profile: {esc(_profiles_text(rec, bank))}</p>
<p class="decision">Recommendation: {esc(rec.decision.upper())}{provisional}</p>
<ul class="reasons">{reasons}</ul>
{chart}
<table><thead><tr><th>Stage</th><th>Interviewer</th><th>Score</th><th>Result</th>
<th>Coverage</th><th>Red flags</th><th>Time</th></tr></thead><tbody>{rows}</tbody></table>
<p>Autograded coding screen: {esc(summary.autograded)}</p>
{sections}
</body></html>
"""


def write_candidate_scorecard(
    *,
    course: Course,
    candidate: str,
    out_dir: Path | None = None,
    store: ScorecardStore | None = None,
) -> dict[str, Path]:
    """Write `<candidate>.md`, `<candidate>.png` and `<candidate>.html`; returns their paths.

    The default folder is `reports/scorecards/`.
    """
    store = store or ScorecardStore(course)
    folder = Path(out_dir) if out_dir is not None else course.reports / "scorecards"
    folder.mkdir(parents=True, exist_ok=True)
    summary = candidate_summary(store, candidate)
    kinds = (("markdown", "md"), ("chart", "png"), ("html", "html"))
    paths = {kind: folder / f"{candidate}.{ext}" for kind, ext in kinds}
    paths["chart"].write_bytes(rubric_chart_png(summary.recommendation))
    paths["markdown"].write_text(
        candidate_markdown(summary, store.bank, chart_file=paths["chart"].name), encoding="utf-8"
    )
    paths["html"].write_text(candidate_html(summary, store.bank), encoding="utf-8")
    return paths


def write_all_candidate_scorecards(*, course: Course, out_dir: Path | None = None) -> list[Path]:
    """The one-page scorecard of every candidate with a scorecard; returns the HTML paths."""
    store = ScorecardStore(course)
    return [
        write_candidate_scorecard(course=course, candidate=c, out_dir=out_dir, store=store)["html"]
        for c in store.candidates()
    ]


def scorecard_rows(store: ScorecardStore) -> list[dict[str, object]]:
    """One row per candidate x stage x interviewer, with the candidate's recommendation."""
    rows = []
    for candidate in store.candidates():
        cards = store.scorecards(candidate)
        rec = store.recommendation(candidate)
        core = {r.stage for r in rec.stages if r.core}
        for card in cards:
            rows.append(
                {
                    "candidate": candidate,
                    "profile": card.profile_id,
                    "stage": card.stage_id,
                    "stage_name": card.stage.name,
                    "core": card.stage_id in core,
                    "interviewer": card.interviewer,
                    "total": card.total,
                    "max_total": card.max_total,
                    "pass_at": card.rubric.pass_at,
                    "verdict": str(card.verdict),
                    "passed": card.passed,
                    "coverage": round(card.coverage, 4),
                    "points_ticked": card.points_ticked,
                    "points_expected": card.points_expected,
                    "questions_asked": len(card.asked),
                    "followups_asked": len(card.followups_asked),
                    "red_flags": len(card.red_flags),
                    "levels": ";".join(f"{k}={v}" for k, v in sorted(card.levels.items())),
                    "elapsed_minutes": round(card.elapsed_seconds / 60, 2),
                    "updated_at": _iso(card.updated_at),
                    "recommendation": str(rec.decision),
                    "provisional": rec.provisional,
                }
            )
    return rows


def write_scorecards_csv(*, course: Course, out: Path | None = None) -> Path:
    """Tabulate every scorecard of the course into one CSV (default `reports/scorecards.csv`)."""
    out = Path(out) if out is not None else course.reports / "scorecards.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in scorecard_rows(ScorecardStore(course)):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return out


# --- helpers ----------------------------------------------------------------------------


def _card_cells(card: Scorecard) -> list[str]:
    total = card.total if card.total is not None else f"({card.partial_total})"
    score = f"{total}/{card.max_total}"
    coverage = f"{card.coverage:.0%} ({card.points_ticked}/{card.points_expected} points)"
    return [
        card.stage.name,
        card.interviewer,
        score,
        str(card.verdict),
        coverage,
        str(len(card.red_flags)),
        f"{card.elapsed_seconds / 60:.0f} min",
    ]


def _card_details(card: Scorecard) -> list[str]:
    levels = []
    for category in card.rubric.categories:
        level = card.level(category.id)
        if level is None:
            levels.append(f"{category.name}: –")
        else:
            levels.append(f"{category.name}: {level} ({category.level(level).label})")
    details = ["Rubric: " + "; ".join(levels)]
    asked = [q.prompt for q in card.stage.questions if q.id in card.asked]
    if asked:
        details.append(f"Asked ({len(asked)}): " + " / ".join(_shorten(p, 90) for p in asked))
    details += [f"Red flag: {flag.text}" for flag in card.red_flags]
    if card.followups_asked:
        details.append(f"Follow-ups asked: {len(card.followups_asked)}")
    if card.notes.strip():
        details.append("Notes: " + _shorten(card.notes, _NOTE_LIMIT))
    return details


def _stage_label(result: StageResult) -> str:
    return result.name + (" (core)" if result.core else "")


def _profiles_text(rec: Recommendation, bank: Bank) -> str:
    names = []
    for profile_id in rec.profiles:
        try:
            profile = bank.profile(profile_id)
            names.append(f"{profile.name} ({profile.focus})")
        except KeyError:
            names.append(profile_id)
    return ", ".join(names) or "none chosen"


def _autograded_line(course: Course, candidate: str) -> str:
    if not course.gradebook.exists():
        return "not graded yet"
    from ..course.gradebook import notebook_scores, notebook_totals

    try:
        scores = notebook_scores(course, candidate)
    except Exception as err:  # the page is still useful without the gradebook
        return f"unavailable ({type(err).__name__}: {err})"
    if not scores:
        return "not graded yet"
    parts = [f"{s.notebook} {s.score:g}/{s.max_score:g}" for s in scores]
    total, maximum, manual = notebook_totals(scores)
    pending = " (manual grading pending)" if manual else ""
    return f"{total:g}/{maximum:g}{pending}: " + ", ".join(parts)


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _md(text: object) -> str:
    """Text safe inside a Markdown line or table cell."""
    flat = " ".join(str(text).split())
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", flat)


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, tz=UTC).isoformat(timespec="seconds")
