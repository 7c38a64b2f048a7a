"""Scorecard exports: the one-page Markdown/HTML scorecard, its chart, and the CSV of all cards.

The cohort's cards are submitted: the exports are the debrief's unless a test says `viewer`.
"""

from __future__ import annotations

import base64
import csv
import re
from pathlib import Path

import matplotlib
import pytest

from mlscreen.cli import main
from mlscreen.course import Course
from mlscreen.interview.export import CSV_COLUMNS, write_scorecards_csv
from mlscreen.interview.pages import (
    candidate_html,
    candidate_markdown,
    rubric_chart_png,
    write_candidate_scorecard,
)
from mlscreen.interview.store import CorruptScorecardWarning, ScorecardStore
from mlscreen.interview.summary import candidate_summary

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return Course(tmp_path)


@pytest.fixture
def store(course, bank) -> ScorecardStore:
    return ScorecardStore(course, bank=bank)


def _levels(rubric, total: int) -> dict[str, int]:
    base, extra = divmod(total, len(rubric.categories))
    return {c.id: base + (1 if i < extra else 0) for i, c in enumerate(rubric.categories)}


def _card(store, candidate, stage, interviewer, total, profile="ml_engineer"):
    card = store.open(candidate, stage, interviewer, profile)
    for category_id, level in _levels(card.rubric, total).items():
        card.set_level(category_id, level)
    card.submit()
    return card


@pytest.fixture
def cohort(store, bank):
    """cand-a passes everything with a margin; cand-b fails the design stage clearly."""
    totals = {}
    for stage in bank.profile("ml_engineer").stages:
        rubric = bank.rubric_for(stage)
        _card(store, "cand-a", stage, "alice", rubric.strong_at)
        totals[("cand-a", stage, "alice")] = rubric.strong_at
    design = bank.rubric_for("system_design")
    _card(store, "cand-b", "coding", "carol", bank.rubric_for("coding").pass_at)
    _card(store, "cand-b", "system_design", "dave", design.weak_below - 1)
    totals[("cand-b", "coding", "carol")] = bank.rubric_for("coding").pass_at
    totals[("cand-b", "system_design", "dave")] = design.weak_below - 1
    return totals


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- CSV --------------------------------------------------------------------------------


def test_csv_has_one_row_per_card_with_totals_and_verdicts(course, bank, cohort):
    out = write_scorecards_csv(course=course)
    assert out == course.reports / "scorecards.csv"
    rows = _read_csv(out)
    # the columns the README's `mlscreen scorecards` promises, written out (not the code's constant)
    assert list(rows[0])[:12] == ["candidate", "candidate_name", "profile", "stage", "stage_name", "core",
                                  "interviewer", "status", "submitted_at", "amendments", "content_hash", "total"]
    assert {"max_total", "pass_at", "verdict", "passed", "coverage", "elapsed_minutes"} <= set(rows[0])
    assert {(r["candidate"], r["stage"], r["interviewer"]) for r in rows} == set(cohort)
    assert len(rows) == len(cohort)
    for row in rows:
        total = cohort[(row["candidate"], row["stage"], row["interviewer"])]
        rubric = bank.rubric_for(row["stage"])
        assert int(row["total"]) == total
        assert int(row["max_total"]) == rubric.max_total
        assert row["passed"] == str(total >= rubric.pass_at)


def test_csv_carries_each_candidates_recommendation(course, cohort):
    rows = _read_csv(write_scorecards_csv(course=course))
    decisions = {r["candidate"]: (r["recommendation"], r["provisional"]) for r in rows}
    assert decisions == {"cand-a": ("strong yes", "False"), "cand-b": ("strong no", "True")}


def test_csv_reports_coverage_and_time(course, cohort, bank, clock):
    store = ScorecardStore(course, bank=bank, clock=clock)
    card = store.open("cand-c", "coding", "carol", "ml_engineer")
    question = bank.question("data_cleaning")
    card.start_timer()
    card.tick(question.points[0].id)
    card.tick(question.points[1].id)
    clock.now += 12 * 60 + 30  # the interviewer ran the stage's clock for 12.5 minutes
    card.stop_timer()
    for category_id, level in _levels(card.rubric, card.rubric.pass_at).items():
        card.set_level(category_id, level)
    card.submit()
    rows = _read_csv(write_scorecards_csv(course=course))
    row = next(r for r in rows if r["candidate"] == "cand-c")
    assert float(row["elapsed_minutes"]) == pytest.approx(12.5)
    assert float(row["coverage"]) == pytest.approx(2 / len(question.points), abs=1e-4)
    assert (row["points_ticked"], row["points_expected"]) == ("2", str(len(question.points)))
    assert row["questions_asked"] == "1"


def test_csv_to_a_chosen_path_and_for_an_empty_course(course, tmp_path):
    out = write_scorecards_csv(course=course, out=tmp_path / "deep" / "cards.csv")
    assert out == tmp_path / "deep" / "cards.csv"
    assert out.read_text().splitlines() == [",".join(CSV_COLUMNS)]


def test_csv_skips_an_unreadable_card_and_says_so(course, store, cohort):
    broken = store.path("cand-b", "culture", "erin")
    broken.write_text("{torn")
    with pytest.warns(CorruptScorecardWarning, match="culture-erin"):
        rows = _read_csv(write_scorecards_csv(course=course))
    assert len(rows) == len(cohort)
    assert broken.read_text() == "{torn"


def test_cli_scorecards_command_writes_the_csv_and_every_page(course, cohort, capsys):
    assert main(["--root", str(course.root), "scorecards"]) == 0
    out = course.reports / "scorecards.csv"
    printed = capsys.readouterr().out
    assert str(out) in printed
    assert len(_read_csv(out)) == len(cohort)
    pages = [line.split(" ", 1)[1] for line in printed.splitlines() if line.endswith(".html")]
    candidates = {candidate for candidate, _, _ in cohort}
    assert len(pages) == len(candidates) == 2, "one page per candidate"
    assert all(Path(page).is_file() for page in pages)
    assert {c for c in candidates if any(c in Path(page).read_text() for page in pages)} == candidates


# --- one-page scorecard -----------------------------------------------------------------


def test_chart_is_a_png_and_leaves_the_pyplot_backend_alone(store, cohort):
    backend = matplotlib.get_backend()
    for candidate in ("cand-a", "cand-b", "nobody"):
        png = rubric_chart_png(store.recommendation(candidate))
        assert png.startswith(PNG_SIGNATURE) and len(png) > 1000
    assert matplotlib.get_backend() == backend


def test_markdown_page_shows_decision_reasons_and_every_card(store, bank, cohort):
    card = store.open("cand-b", "system_design", "dave")
    card.amend("notes typed up")
    card.set_notes("weak | unclear *monitoring*\n# not a heading")
    card.submit()
    summary = candidate_summary(store, "cand-b")
    page = candidate_markdown(summary, bank, chart_file="cand-b.png")
    assert "**Recommendation: STRONG NO** (provisional)" in page
    assert "![Rubric totals by stage](cand-b.png)" in page
    assert "Autograded coding screen: not graded yet" in page
    lines = page.splitlines()
    table = [line for line in lines if line.startswith("| ") and "Interviewer" not in line]
    assert len(table) == 2
    for line in table:  # the note's '|' must not add columns
        assert len(re.findall(r"(?<!\\)\|", line)) == 9
    assert "\n# not a heading" not in page
    assert summary.recommendation.reasons[0] in page


def test_html_page_embeds_the_chart_and_escapes_text(store, bank, cohort):
    card = store.open("cand-a", "culture", "alice")
    card.amend("notes typed up")
    card.set_notes("<script>alert(1)</script>")
    card.submit()
    page = candidate_html(candidate_summary(store, "cand-a"), bank)
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match and base64.b64decode(match.group(1)).startswith(PNG_SIGNATURE)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Recommendation: STRONG YES" in page
    for stage in bank.profile("ml_engineer").stages:
        assert f"<h2>{bank.stage(stage).name}: alice</h2>" in page


def test_write_candidate_scorecard_writes_three_files(course, store, cohort):
    paths = write_candidate_scorecard(course=course, candidate="cand-a", store=store)
    assert set(paths) == {"markdown", "chart", "html"}
    assert all(p.parent == course.reports / "scorecards" for p in paths.values())
    assert paths["chart"].read_bytes().startswith(PNG_SIGNATURE)
    assert f"({paths['chart'].name})" in paths["markdown"].read_text()
    assert "base64," in paths["html"].read_text()
