"""Calibration statistics, checked against values computed by hand on a small fixed panel,
and the report: `mlscreen calibration`, its charts, and the demo's sample panel."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mlscreen.cli import main
from mlscreen.course import Course
from mlscreen.interview.calibration import Rating, calibrate, ratings_of
from mlscreen.interview.calibration_report import (
    agreement_chart_png,
    calibration_text,
    leniency_chart_png,
    levels_chart_png,
    write_calibration,
)
from mlscreen.interview.sample_panel import write_sample_panel
from mlscreen.interview.store import ScorecardStore

REPO = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"

# The fixed panel: three interviewers rate one category of five candidates.
#            c1 c2 c3 c4 c5
HAND = {
    "A": (1, 2, 3, 4, 2),
    "B": (2, 3, 4, 4, 3),
    "C": (1, 2, 2, 3, 3),
}


def _ratings(table=HAND, category="concepts") -> list[Rating]:
    return [
        Rating(f"c{i + 1}", "ml_knowledge", category, who, level)
        for who, levels in table.items()
        for i, level in enumerate(levels)
    ]


@pytest.fixture(scope="module")
def hand():
    return calibrate(_ratings(), replicates=200, seed=7)


def test_level_distribution_per_interviewer(hand):
    counts = {r.interviewer: r.counts for r in hand.raters}
    assert counts == {
        "A": {1: 1, 2: 2, 3: 1, 4: 1},
        "B": {1: 0, 2: 1, 3: 2, 4: 2},
        "C": {1: 1, 2: 2, 3: 2, 4: 0},
    }


def test_leniency_is_the_mean_offset_from_the_panel_median(hand):
    # Medians per candidate: c1 (1,2,1) -> 1, c2 (2,3,2) -> 2, c3 (3,4,2) -> 3,
    # c4 (4,4,3) -> 4, c5 (2,3,3) -> 3.
    # A: 0, 0, 0, 0, -1 -> -1/5 = -0.2;  B: +1, +1, +1, 0, 0 -> 3/5 = 0.6;
    # C: 0, 0, -1, -1, 0 -> -2/5 = -0.4.
    leniency = {r.interviewer: r.leniency for r in hand.raters}
    assert leniency == pytest.approx({"A": -0.2, "B": 0.6, "C": -0.4})
    assert {r.compared for r in hand.raters} == {5}


def test_pairwise_quadratic_weighted_kappa_matches_the_hand_computation(hand):
    # kappa = 1 - sum(w * observed) / sum(w * expected), w = (i - j)^2, expected from the
    # marginals: E_ij = a_i * b_j / n, n = 5.
    # A-B: pairs (1,2) (2,3) (3,4) (4,4) (2,3): observed 1+1+1+0+1 = 4.
    #   A's marginals {1:1, 2:2, 3:1, 4:1}, B's {2:1, 3:2, 4:2}.
    #   sum_j b_j (i-j)^2 for i = 1..4: 27, 10, 3, 6; weighted by a_i: 27 + 20 + 3 + 6 = 56.
    #   expected 56/5 = 11.2 -> kappa = 1 - 4/11.2 = 9/14.
    # A-C: observed 0+0+1+1+1 = 3; C's marginals {1:1, 2:2, 3:2};
    #   sum_j c_j (i-j)^2: 10, 3, 6, 19; weighted by a_i: 10 + 6 + 6 + 19 = 41
    #   -> kappa = 1 - 3/8.2 = 26/41.
    # B-C: observed 1+1+4+1+0 = 7; sum_j c_j (i-j)^2 for i = 2, 3, 4: 3, 6, 19;
    #   weighted by b_i: 3 + 12 + 38 = 53 -> kappa = 1 - 7/10.6 = 18/53.
    kappas = {a.raters: a.value for a in hand.kappas}
    assert kappas == pytest.approx({("A", "B"): 9 / 14, ("A", "C"): 26 / 41, ("B", "C"): 18 / 53})
    assert all(a.candidates == 5 and a.items == 5 for a in hand.kappas)


def test_ordinal_krippendorff_alpha_matches_the_hand_computation(hand):
    # Coincidences (each unit's ordered pairs / (m_u - 1), m_u = 3):
    #   c1 {1,1,2}: o11 1, o12 1 | c2 {2,3,2}: o22 1, o23 1 | c3 {3,4,2}: o34, o23, o24 .5 each
    #   c4 {4,4,3}: o44 1, o34 1 | c5 {2,3,3}: o33 1, o23 1
    #   -> o12 = 1, o23 = 2.5, o24 = .5, o34 = 1.5; value totals n1..n4 = 2, 5, 5, 3 (n = 15).
    # Ordinal distance d(c,k) = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2:
    #   d12 = 3.5^2 = 12.25, d13 = 8.5^2 = 72.25, d14 = 12.5^2 = 156.25,
    #   d23 = 5^2 = 25, d24 = 9^2 = 81, d34 = 4^2 = 16.
    # D_o = 2 * (1*12.25 + 2.5*25 + .5*81 + 1.5*16) / 15 = 2 * 139.25 / 15
    # D_e = 2 * (10*12.25 + 10*72.25 + 6*156.25 + 25*25 + 15*81 + 15*16) / (15*14)
    #     = 2 * 3862.5 / 210
    # alpha = 1 - D_o / D_e = 1 - (139.25 * 14) / 7725 = 3826 / 7725 = 0.49528...
    assert hand.alpha.value == pytest.approx(3826 / 7725)
    assert hand.alpha.raters == ("A", "B", "C") and hand.alpha.candidates == 5


def test_values_below_0_6_are_warned_about(hand):
    # alpha 0.495 and B-C's 0.340 are below 0.6; A-B (0.643) and A-C (0.634) are not.
    assert len(hand.warnings) == 2
    assert "the panel" in hand.warnings[0] and "0.50, below 0.6" in hand.warnings[0]
    assert hand.warnings[1].startswith("B & C: ") and "0.34, below 0.6" in hand.warnings[1]
    assert hand.kappas[0].warning is None


def test_bootstrap_intervals_are_reproducible_and_bracket_a_perfect_panel(hand):
    again = calibrate(_ratings(), replicates=200, seed=7)
    assert again.alpha.interval == hand.alpha.interval
    low, high = hand.alpha.interval.low, hand.alpha.interval.high
    assert -1 <= low < hand.alpha.value < high <= 1
    assert hand.alpha.interval.replicates <= 200
    # Identical raters agree perfectly in every resample that varies at all: [1, 1].
    same = calibrate(_ratings({"A": HAND["A"], "B": HAND["A"]}), replicates=100, seed=1)
    assert same.kappas[0].value == pytest.approx(1.0)
    assert (same.kappas[0].interval.low, same.kappas[0].interval.high) == pytest.approx((1, 1))
    assert same.warnings == ()


def test_too_few_shared_candidates_give_no_statistic_and_a_warning():
    four = {who: levels[:4] for who, levels in HAND.items()}
    cal = calibrate(_ratings(four), replicates=50)
    assert cal.alpha.value is None and cal.alpha.interval is None
    assert all(k.value is None for k in cal.kappas)
    assert "only 4 candidates rated in common (needs 5), too few to say anything" in (
        cal.alpha.warning
    )
    assert len(cal.warnings) == 4
    # Two interviewers who never met the same candidate: nothing in common at all.
    apart = [Rating("c1", "s", "k", "A", 2), Rating("c2", "s", "k", "B", 3)]
    assert "only 0 candidates" in calibrate(apart, replicates=10).kappas[0].warning


def test_a_rating_outside_the_scale_or_given_twice_is_refused():
    with pytest.raises(ValueError, match="not one of"):
        calibrate([Rating("c1", "s", "k", "A", 5)])
    with pytest.raises(ValueError, match="twice"):
        calibrate([Rating("c1", "s", "k", "A", 2), Rating("c1", "s", "k", "A", 3)])


# --- from scorecards --------------------------------------------------------------------


def test_only_submitted_levels_count_as_last_submitted(tmp_path, bank, clock):
    store = ScorecardStore(Course(tmp_path), bank=bank, clock=clock)
    card = store.open("c1", "culture", "alice", "ml_engineer")
    for category in card.rubric.categories:
        card.set_level(category.id, 2)
    draft = store.open("c1", "culture", "bob", "ml_engineer")
    draft.set_level("ownership", 4)
    card.submit()
    card.amend("rethinking")
    card.set_level("ownership", 4)  # not submitted yet: calibration keeps the 2
    ratings = ratings_of(store.scorecards("c1"))
    assert {(r.interviewer, r.category, r.level) for r in ratings} == {
        ("alice", c.id, 2) for c in card.rubric.categories
    }


def test_mlscreen_calibration_writes_the_report_and_prints_the_warnings(tmp_path, capsys):
    course = Course(REPO)
    sample = write_sample_panel(course=course, out_dir=tmp_path / "sample", replicates=20)
    assert sample == tmp_path / "sample" / "calibration.html"
    out = tmp_path / "report"
    code = main(["--root", str(REPO), "calibration", "--scorecards",
                 str(tmp_path / "sample" / "scorecards"), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("WARNING: ") and f"report: {out / 'calibration.html'}" in printed
    data = json.loads((out / "calibration.json").read_text())
    assert data["ratings"] == 3 * 8 * 5  # three interviewers, eight candidates, five categories
    assert [r["interviewer"] for r in data["raters"]] == ["alice", "bob", "chen"]
    page = (out / "calibration.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3 and "below 0.6" in page
    # the sample's lenient interviewer is bob (see samples/panel/panel.yaml)
    leniency = {r["interviewer"]: r["leniency"] for r in data["raters"]}
    assert max(leniency, key=leniency.get) == "bob"


def test_the_sample_panel_records_its_amendment(tmp_path):
    write_sample_panel(course=Course(REPO), out_dir=tmp_path, replicates=20)
    store = ScorecardStore(Course(REPO), folder=tmp_path / "scorecards")
    card = store.open("cand-p05", "ml_knowledge", "chen")
    assert [e.kind for e in card.submissions] == ["submitted", "amended"]
    assert card.level("data_quality") == 3 and card.integrity is None


def test_an_unknown_stage_is_an_error_the_cli_reports(tmp_path, capsys):
    (tmp_path / "nbgrader_config.py").write_text("")
    assert main(["--root", str(tmp_path), "calibration", "--stage", "nope"]) == 2
    assert "no stage 'nope'" in capsys.readouterr().err


def test_an_empty_course_says_there_is_nothing_yet(tmp_path):
    cal, paths = write_calibration(course=Course(tmp_path))
    assert "nothing to calibrate yet" in calibration_text(cal)
    assert paths["html"].is_file()


def test_the_charts_are_pngs(hand):
    for chart in (levels_chart_png, leniency_chart_png, agreement_chart_png):
        png = chart(hand)
        assert png.startswith(PNG) and len(png) > 2000


def test_the_calibration_notebook_shows_the_sample_panel_when_no_card_is_submitted(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    course = Course(tmp_path)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    (tmp_path / "notebooks").mkdir()
    shutil.copytree(REPO / "samples" / "panel", tmp_path / "samples" / "panel")
    write_sample_panel(course=course, replicates=20)
    source = nbformat.read(REPO / "notebooks" / "calibration.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in source.cells if c.cell_type == "code")
    nb = nbformat.from_dict(source)
    folder = {"metadata": {"path": str(tmp_path / "notebooks")}}
    NotebookClient(nb, timeout=120, resources=folder).execute()
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "showing the demo's sample panel" in printed
    assert "alpha, whole panel" in printed and "WARNING" in printed
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 3
