"""The panel: medians by arithmetic, disagreements flagged, blind until you submit (in the
library, the exports and the CLI), anonymous mode, and the Greenhouse-shaped ATS export."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest

from mlscreen.bank import AtsMapping, InterviewSettings
from mlscreen.cli import main
from mlscreen.course import Course
from mlscreen.interview.ats import ats_scorecard, ats_scorecards
from mlscreen.interview.blind import DEBRIEF, recommendation_for, stage_cards_for, visible
from mlscreen.interview.export import scorecard_rows, write_exports
from mlscreen.interview.naming import CandidateNames
from mlscreen.interview.panel import stage_panel
from mlscreen.interview.store import ScorecardStore
from mlscreen.interview.summary import candidate_summary
from mlscreen.interview.verdicts import Decision, Verdict

STAGE, PROFILE = "ml_knowledge", "ml_engineer"
CATEGORIES = ("concepts", "evaluation", "data_quality", "tradeoffs", "modern_ml")

# A fixed three-interviewer panel for one candidate's ML knowledge stage (pass at 13 of 20).
PANEL = {
    "alice": (2, 3, 2, 3, 2),  # total 12
    "bob": (4, 4, 4, 3, 4),  # total 19
    "chen": (2, 2, 2, 3, 2),  # total 11
}


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return Course(tmp_path)


@pytest.fixture
def store(course, bank, clock) -> ScorecardStore:
    return ScorecardStore(course, bank=bank, clock=clock)


def _card(store, interviewer, levels, *, candidate="cand-01", stage=STAGE, submit=True,
          notes=""):
    card = store.open(candidate, stage, interviewer, PROFILE)
    for category, level in zip((c.id for c in card.rubric.categories), levels, strict=True):
        card.set_level(category, level)
    card.set_notes(notes)
    if submit:
        card.submit()
    return card


# --- panel arithmetic -------------------------------------------------------------------


def test_the_panel_takes_the_median_per_category_and_judges_the_sum_of_medians(store, bank):
    cards = [_card(store, who, levels) for who, levels in PANEL.items()]
    panel = stage_panel(STAGE, cards, bank)
    # By hand, per category (alice, bob, chen) -> median:
    #   concepts (2, 4, 2) -> 2; evaluation (3, 4, 2) -> 3; data_quality (2, 4, 2) -> 2;
    #   tradeoffs (3, 3, 3) -> 3; modern_ml (2, 4, 2) -> 2.  Sum of medians: 12.
    assert [c.median for c in panel.categories] == [2, 3, 2, 3, 2]
    assert panel.total == 12
    # 12 < pass_at 13 (and >= weak_below 10): a fail. The mean of the totals,
    # (12 + 19 + 11) / 3 = 14, would have passed: bob's leniency does not carry the panel.
    assert panel.verdict is Verdict.FAIL
    # Spread (max - min): concepts 2, evaluation 2, data_quality 2, tradeoffs 0, modern_ml 2.
    assert [c.spread for c in panel.categories] == [2, 2, 2, 0, 2]
    assert [c.id for c in panel.flagged] == ["concepts", "evaluation", "data_quality", "modern_ml"]


def test_two_interviewers_one_level_apart_are_not_flagged_and_a_half_median_counts(store, bank):
    cards = [_card(store, "alice", (3, 3, 3, 3, 3)), _card(store, "bob", (4, 3, 3, 3, 4))]
    panel = stage_panel(STAGE, cards, bank)
    # medians (3+4)/2 = 3.5, 3, 3, 3, 3.5 -> total 16: a pass (13 <= 16 < strong_at 17)
    assert panel.total == 16 and panel.verdict is Verdict.PASS
    assert panel.flagged == ()


def test_the_recommendation_uses_the_panel_median_and_names_the_flags(store):
    for who, levels in PANEL.items():
        _card(store, who, levels)
    rec = recommendation_for(store, "cand-01", DEBRIEF)
    [knowledge] = [r for r in rec.stages if r.stage == STAGE]
    assert knowledge.total == 12 and knowledge.verdict is Verdict.FAIL
    assert rec.decision is Decision.NO  # a core stage fails, not clearly (12 >= 10)
    assert "debrief: ML Knowledge: Core concepts (alice 2, bob 4, chen 2)" in rec.reasons


def test_a_half_scored_card_does_not_count_in_the_panel(store, bank):
    cards = [_card(store, "alice", (3, 3, 3, 3, 3))]
    draft = store.open("cand-01", STAGE, "bob", PROFILE)
    draft.set_level("concepts", 1)
    panel = stage_panel(STAGE, [*cards, draft], bank)
    assert panel.interviewers == ("alice",) and panel.total == 15


# --- blind until submitted --------------------------------------------------------------


def test_before_submitting_an_interviewer_sees_only_their_own_cards(store):
    alice = _card(store, "alice", PANEL["alice"], notes="alice's secret note")
    bob = _card(store, "bob", PANEL["bob"], submit=False)
    shown = visible(store.scorecards("cand-01"), "bob")
    assert [c.interviewer for c in shown.cards] == ["bob"]
    assert stage_cards_for(store, "cand-01", STAGE, "bob").open is False
    assert stage_cards_for(store, "cand-01", STAGE, "bob").cards == ()
    # bob's own draft alone makes the recommendation he sees: 19/20 passes with a margin.
    [result] = [r for r in recommendation_for(store, "cand-01", "bob").stages if r.stage == STAGE]
    assert result.interviewers == ("bob",) and result.total == 19
    bob.submit()
    after = stage_cards_for(store, "cand-01", STAGE, "bob")
    assert after.open and [c.interviewer for c in after.cards] == ["alice", "bob"]
    assert after.panel.total == (2 + 4) / 2 + (3 + 4) / 2 + (2 + 4) / 2 + 3 + (2 + 4) / 2
    assert alice.notes in [c.notes for c in after.cards]


def test_an_interviewer_without_a_card_for_the_stage_sees_nothing_of_it(store):
    _card(store, "alice", PANEL["alice"])
    _card(store, "dave", (3, 3, 3, 3), stage="culture")
    shown = visible(store.scorecards("cand-01"), "dave")
    assert [(c.interviewer, c.stage_id) for c in shown.cards] == [("dave", "culture")]
    assert not stage_cards_for(store, "cand-01", STAGE, "dave").open


def test_others_drafts_and_amendments_under_way_stay_hidden_even_after_you_submit(store):
    _card(store, "alice", PANEL["alice"])
    chen = _card(store, "chen", PANEL["chen"], submit=False)
    seen = stage_cards_for(store, "cand-01", STAGE, "alice")
    assert seen.open and [c.interviewer for c in seen.cards] == ["alice"]
    chen.submit()
    chen.amend("rethinking concepts")
    chen.set_level("concepts", 4)  # not submitted: alice must not see it
    assert [c.interviewer for c in stage_cards_for(store, "cand-01", STAGE, "alice").cards] == [
        "alice"
    ]
    chen.submit()
    seen = stage_cards_for(store, "cand-01", STAGE, "alice")
    assert [(c.interviewer, c.level("concepts")) for c in seen.cards] == [
        ("alice", 2), ("chen", 4)
    ]


def test_the_debrief_waits_for_every_card_of_a_stage(store):
    _card(store, "alice", PANEL["alice"])
    bob = _card(store, "bob", PANEL["bob"], submit=False)
    _card(store, "dave", (3, 3, 3, 3), stage="culture")
    shown = visible(store.scorecards("cand-01"), DEBRIEF)
    assert [(c.stage_id, c.interviewer) for c in shown.cards] == [("culture", "dave")]
    assert shown.waiting == ((STAGE, "bob"),)
    bob.submit()
    bob.amend("second look")  # under amendment: the stage waits again
    assert visible(store.scorecards("cand-01"), DEBRIEF).waiting == ((STAGE, "bob"),)
    bob.cancel_amendment()
    shown = visible(store.scorecards("cand-01"), DEBRIEF)
    assert shown.waiting == () and len(shown.cards) == 3


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_exports_an_interviewer_runs_are_blind_too(course, store):
    _card(store, "alice", PANEL["alice"], notes="ALICE-NOTE")
    _card(store, "bob", PANEL["bob"], submit=False, notes="BOB-DRAFT")
    paths = write_exports(course=course, viewer="bob")
    folder = course.reports / "interviewers" / "bob"
    assert paths[0] == folder / "scorecards.csv"
    assert [(r["interviewer"], r["status"]) for r in _csv(paths[0])] == [("bob", "draft")]
    page = (folder / "scorecards" / "cand-01.html").read_text()
    assert "ALICE-NOTE" not in page and "BOB-DRAFT" in page
    assert json.loads((folder / "ats-scorecards.json").read_text()) == []  # drafts never go
    # The debrief's export waits for bob; alice's card is not in it either.
    debrief = write_exports(course=course)
    assert _csv(debrief[0]) == []
    assert "waiting for bob" in (course.reports / "scorecards" / "cand-01.html").read_text()
    assert "ALICE-NOTE" not in (course.reports / "scorecards" / "cand-01.md").read_text()


def test_once_everyone_submitted_the_exports_show_the_panel_side_by_side(course, store):
    for who, levels in PANEL.items():
        _card(store, who, levels)
    assert main(["--root", str(course.root), "scorecards", "--as", "bob"]) == 0
    rows = _csv(course.reports / "interviewers" / "bob" / "scorecards.csv")
    assert [r["interviewer"] for r in rows] == ["alice", "bob", "chen"]
    assert {r["panel_total"] for r in rows} == {"12"}
    assert rows[0]["debrief_flags"] == "concepts;evaluation;data_quality;modern_ml"
    page = (course.reports / "interviewers" / "bob" / "scorecards" / "cand-01.md").read_text()
    assert "## Panel: ML Knowledge" in page
    assert "| Core concepts | 2 | 4 | 2 | 2 | differ by 2 |" in page


# --- anonymous mode ---------------------------------------------------------------------


def _roster(store, names: dict[str, str]) -> None:
    store.folder.mkdir(parents=True, exist_ok=True)
    (store.folder / "candidates.yaml").write_text(
        "".join(f"{k}: {v}\n" for k, v in names.items())
    )


def _anonymous(store, on: bool) -> ScorecardStore:
    bank = replace(store.bank, settings=InterviewSettings(anonymous=on))
    return ScorecardStore(store.course, bank=bank, clock=store._clock)


def test_names_show_from_the_roster_unless_the_course_is_anonymous(course, store):
    _roster(store, {"cand-01": "Ada Lovelace"})
    _card(store, "alice", PANEL["alice"], notes="Ada explained drift well; lovelace knew it")
    named = _anonymous(store, False)
    assert candidate_summary(named, "cand-01").label == "Ada Lovelace (cand-01)"
    assert scorecard_rows(named)[0]["candidate_name"] == "Ada Lovelace"

    anonymous = _anonymous(store, True)
    summary = candidate_summary(anonymous, "cand-01")
    assert summary.label == "cand-01"
    assert scorecard_rows(anonymous)[0]["candidate_name"] is None
    [exported] = ats_scorecards(anonymous)
    assert exported["questions"][0]["answer"] == (
        "[candidate] explained drift well; [candidate] knew it"
    )
    from mlscreen.interview.pages import candidate_html, candidate_markdown

    pages = (candidate_markdown(summary, anonymous.bank), candidate_html(summary, anonymous.bank))
    for page in pages:
        assert "Ada" not in page and "Lovelace" not in page and "cand-01" in page


def test_the_shipped_course_is_not_anonymous_and_the_roster_must_be_ids_and_names(store, bank):
    assert bank.settings.anonymous is False
    _roster(store, {"not an id!": "Someone"})
    with pytest.raises(ValueError, match="candidate id and a name"):
        store.names  # noqa: B018
    assert CandidateNames({"c": "Al Ng"}, anonymous=True).redact("al and ng; Alan", "c") == (
        "[candidate] and [candidate]; Alan"
    )


# --- the ATS export ---------------------------------------------------------------------


def test_a_submitted_card_reads_as_a_greenhouse_scorecard(store, bank, clock):
    card = _card(store, "alice", (4, 3, 2, 1, 4), notes="Solid on metrics.")
    card.amend("tradeoffs answer was weaker on reflection")
    card.set_level("tradeoffs", 2)
    clock.now += 120
    card.submit()
    got = ats_scorecard(card, bank, CandidateNames())
    assert got["interview"] == "ML Knowledge" and got["candidate_id"] == "cand-01"
    assert got["submitted_by"] == {"id": "alice", "name": "alice"}
    # levels 4, 3, 2, 2, 4 -> strong_yes, yes, no, no, strong_yes (the bank's interview.yaml)
    assert [(a["name"], a["rating"]) for a in got["attributes"]] == [
        ("Core concepts", "strong_yes"),
        ("Evaluation & metrics", "yes"),
        ("Data quality & leakage", "no"),
        ("Applied judgment & trade-offs", "no"),
        ("Embeddings, LLMs & safety", "strong_yes"),
    ]
    assert got["ratings"]["no"] == ["Data quality & leakage", "Applied judgment & trade-offs"]
    assert got["ratings"]["mixed"] == []
    # total 4+3+2+2+4 = 15: a pass (13 <= 15 < 17) -> "yes"
    assert got["overall_recommendation"] == "yes"
    assert got["questions"][0] == {"id": None, "question": "Key Take-Aways",
                                   "answer": "Solid on metrics."}
    assert "tradeoffs 1 -> 2" in got["questions"][-1]["answer"]
    assert got["mlscreen"]["amendments"] == 1
    assert got["submitted_at"] < got["updated_at"]


def test_the_ats_mapping_is_data(store, bank):
    card = _card(store, "alice", (1, 1, 1, 1, 1))
    strict = AtsMapping(levels={1: "no", 2: "mixed", 3: "yes", 4: "strong_yes"})
    mapped = replace(bank, settings=InterviewSettings(ats=strict))
    got = ats_scorecard(card, mapped, CandidateNames())
    assert {a["rating"] for a in got["attributes"]} == {"no"}
    assert got["overall_recommendation"] == "definitely_not"  # 5 < weak_below 10


def test_a_draft_never_goes_to_the_ats(store, bank):
    draft = _card(store, "alice", PANEL["alice"], submit=False)
    with pytest.raises(ValueError, match="only a submitted scorecard"):
        ats_scorecard(draft, bank, CandidateNames())
