"""Scorecard exports, as one viewer may see them: the CSV of all cards, every candidate's
one-page scorecard (`pages`) and the ATS JSON (`ats`), written together by `write_exports`.

The viewer is an interviewer id (`mlscreen scorecards --as ID`: their own cards, and other
interviewers' only for the stages they submitted) or `DEBRIEF` (every submitted card of each
fully submitted stage); see `blind`.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from ..common.files import write_atomic
from ..course.layout import Course
from .ats import write_ats_scorecards
from .blind import DEBRIEF
from .pages import reports_folder, write_candidate_scorecard
from .store import ScorecardStore
from .summary import candidate_summary

CSV_COLUMNS = (
    "candidate",
    "candidate_name",
    "profile",
    "stage",
    "stage_name",
    "core",
    "interviewer",
    "status",
    "submitted_at",
    "amendments",
    "content_hash",
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
    "panel_total",
    "panel_verdict",
    "debrief_flags",
    "recommendation",
    "provisional",
)


def scorecard_rows(store: ScorecardStore, viewer: str | None = DEBRIEF) -> list[dict[str, object]]:
    """One row per card `viewer` may see, with the stage's panel result and the recommendation.

    `status` is `draft`, `submitted` or `amending`; `candidate_name` is blank in anonymous mode.
    """
    rows = []
    for candidate in store.candidates():
        summary = candidate_summary(store, candidate, viewer)
        rec = summary.recommendation
        results = {r.stage: r for r in rec.stages}
        for card in summary.cards:
            panel = results[card.stage_id].panel
            status = "amending" if card.amending else "submitted" if card.submitted else "draft"
            rows.append(
                {
                    "candidate": candidate,
                    "candidate_name": summary.names.name(candidate),
                    "profile": card.profile_id,
                    "stage": card.stage_id,
                    "stage_name": card.stage.name,
                    "core": results[card.stage_id].core,
                    "interviewer": card.interviewer,
                    "status": status,
                    "submitted_at": _iso(card.submitted_at),
                    "amendments": max(len(card.submissions) - 1, 0),
                    "content_hash": card.submissions[-1].hash if card.submitted else None,
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
                    "panel_total": panel.total,
                    "panel_verdict": str(panel.verdict),
                    "debrief_flags": ";".join(c.id for c in panel.flagged),
                    "recommendation": str(rec.decision),
                    "provisional": rec.provisional,
                }
            )
    return rows


def write_scorecards_csv(
    *,
    course: Course,
    out: Path | None = None,
    viewer: str | None = DEBRIEF,
    store: ScorecardStore | None = None,
) -> Path:
    """Tabulate the cards `viewer` may see into one CSV (default `scorecards.csv` in
    `reports_folder(course, viewer)`)."""
    store = store or ScorecardStore(course)
    out = Path(out) if out is not None else reports_folder(course, viewer) / "scorecards.csv"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in scorecard_rows(store, viewer):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    write_atomic(out, buffer.getvalue())
    return out


def write_all_candidate_scorecards(
    *, course: Course, out_dir: Path | None = None, viewer: str | None = DEBRIEF,
    store: ScorecardStore | None = None,
) -> list[Path]:
    """The one-page scorecard of every candidate with a scorecard; returns the HTML paths."""
    store = store or ScorecardStore(course)
    return [
        write_candidate_scorecard(
            course=course, candidate=c, out_dir=out_dir, store=store, viewer=viewer
        )["html"]
        for c in store.candidates()
    ]


def write_exports(
    *, course: Course, viewer: str | None = DEBRIEF, out: Path | None = None
) -> list[Path]:
    """`mlscreen scorecards`: the CSV, every one-page scorecard and the ATS JSON for `viewer`.

    Returns the paths written: the CSV (`out`, if given), the ATS JSON, then each HTML page.
    """
    store = ScorecardStore(course)
    folder = reports_folder(course, viewer)
    csv_path = write_scorecards_csv(course=course, out=out, viewer=viewer, store=store)
    ats = write_ats_scorecards(store=store, out=folder / "ats-scorecards.json", viewer=viewer)
    pages = write_all_candidate_scorecards(course=course, viewer=viewer, store=store)
    return [csv_path, ats, *pages]


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, tz=UTC).isoformat(timespec="seconds")
