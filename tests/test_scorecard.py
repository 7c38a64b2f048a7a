"""The scorecard model: scoring, timer, persistence, the overall recommendation, the package."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from mlscreen.common.ids import validate_id
from mlscreen.course import Course
from mlscreen.interview.recommendation import recommend
from mlscreen.interview.store import CorruptScorecardWarning, ScorecardStore
from mlscreen.interview.verdicts import Decision, Verdict


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return Course(tmp_path)


@pytest.fixture
def store(course, bank, clock) -> ScorecardStore:
    return ScorecardStore(course, bank=bank, clock=clock)


def _reopened(store: ScorecardStore, card):
    fresh = ScorecardStore(store.course, bank=store.bank, clock=store._clock)
    return fresh.open(card.candidate, card.stage_id, card.interviewer)


def _score(card, total: int) -> None:
    """Give every category of the card's rubric a level so that they sum to `total`."""
    categories = card.rubric.categories
    base, extra = divmod(total, len(categories))
    for i, category in enumerate(categories):
        card.set_level(category.id, base + (1 if i < extra else 0))
    assert card.total == total


# --- persistence ------------------------------------------------------------------------


def test_new_card_is_saved_where_the_course_keeps_scorecards(store, course):
    card = store.open("cand-01", "ml_knowledge", "alice", "ml_engineer")
    assert card.path == course.scorecards / "cand-01" / "ml_knowledge-alice.json"
    saved = json.loads(card.path.read_text())
    assert (saved["candidate"], saved["stage"], saved["interviewer"], saved["profile"]) == (
        "cand-01", "ml_knowledge", "alice", "ml_engineer"
    )


def test_new_card_needs_a_profile(store):
    with pytest.raises(ValueError, match="profile"):
        store.open("cand-01", "coding", "alice")
    assert not store.folder.exists() or not any(store.folder.rglob("*.json"))


def test_every_change_is_on_disk_before_the_method_returns(store, clock):
    card = store.open("cand-01", "ml_knowledge", "alice", "ml_engineer")
    changes = [
        lambda: card.tick("degradation.data_drift"),
        lambda: card.ask_followup("degradation.late_labels"),
        lambda: card.mark_asked("imbalance"),
        lambda: card.set_level("concepts", 3),
        lambda: card.set_notes("calm, structured"),
        lambda: card.set_question_note("imbalance", "knew focal loss"),
        lambda: card.start_timer(),
        lambda: card.set_profile("data_scientist"),
    ]
    for change in changes:
        clock.now += 1
        change()
        on_disk = json.loads(card.path.read_text())
        assert on_disk == card.to_dict()
        assert on_disk["updated_at"] == clock.now


def test_reopening_restores_the_card_exactly(store, clock):
    card = store.open("cand-01", "system_design", "bob", "mlops_engineer")
    card.tick("support_tickets.ingestion")
    card.tick("support_tickets.fallback")
    card.tick("support_tickets.no_fallback")
    card.ask_followup("support_tickets.new_category")
    card.set_level("observability", 4)
    card.set_notes("line one\nline two, ünïcode")
    card.set_question_note("support_tickets", "drew a clear diagram")
    card.start_timer()
    clock.now += 90
    card.stop_timer()

    again = _reopened(store, card)
    assert again.to_dict() == card.to_dict()
    assert (again.coverage, again.partial_total, again.elapsed_seconds, again.red_flags) == (
        card.coverage, card.partial_total, card.elapsed_seconds, card.red_flags
    )


def test_reopening_with_another_profile_changes_it(store):
    card = store.open("cand-01", "coding", "alice", "ml_engineer")
    again = store.open("cand-01", "coding", "alice", "mlops_engineer")
    assert again.profile_id == "mlops_engineer"
    assert json.loads(card.path.read_text())["profile"] == "mlops_engineer"


def test_two_interviewers_never_share_a_file(store):
    alice = store.open("cand-01", "culture", "alice", "ml_engineer")
    bob = store.open("cand-01", "culture", "bob", "ml_engineer")
    alice.set_level("ownership", 4)
    bob.set_level("ownership", 1)
    assert alice.path != bob.path
    assert _reopened(store, alice).level("ownership") == 4
    assert _reopened(store, bob).level("ownership") == 1


@pytest.mark.parametrize(
    "bad", ["", "../evil", "a/b", "a\\b", ".hidden", "ends.", "has space", "x" * 65, "naïve", None]
)
def test_unsafe_ids_are_refused(store, bad):
    for candidate, interviewer in ((bad, "alice"), ("cand-01", bad)):
        with pytest.raises(ValueError, match="invalid"):
            store.open(candidate, "coding", interviewer, "ml_engineer")
    assert not store.folder.exists() or not any(store.folder.rglob("*.json"))


def test_safe_ids_pass():
    for good in ("cand-01", "Alice.Smith", "a", "x_y-z.9"):
        assert validate_id(good) == good


def test_unknown_stage_or_profile_is_refused(store):
    with pytest.raises(ValueError, match="stage"):
        store.open("cand-01", "lunch", "alice", "ml_engineer")
    with pytest.raises(ValueError, match="profile"):
        store.open("cand-01", "coding", "alice", "astronaut")


def test_corrupt_file_is_set_aside_not_overwritten(store, clock):
    card = store.open("cand-01", "coding", "alice", "ml_engineer")
    card.path.write_text('{"schema": 1, "candidate": "cand-01", "stage": "co')
    with pytest.warns(CorruptScorecardWarning, match="could not be read"):
        fresh = store.open("cand-01", "coding", "alice", "ml_engineer")
    kept = list(card.path.parent.glob("coding-alice.json.corrupt-*"))
    assert kept == [fresh.recovered_from]
    assert kept[0].read_text() == '{"schema": 1, "candidate": "cand-01", "stage": "co'
    assert fresh.ticked == frozenset() and json.loads(card.path.read_text())["ticked"] == []


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["levels"].update(concepts=7),
        lambda d: d.update(candidate="someone-else"),
        lambda d: d.pop("ticked"),
        lambda d: d.update(schema=99),
    ],
)
def test_file_with_wrong_content_is_set_aside(store, change):
    card = store.open("cand-01", "ml_knowledge", "alice", "ml_engineer")
    data = card.to_dict()
    change(data)
    card.path.write_text(json.dumps(data))
    with pytest.warns(CorruptScorecardWarning):
        fresh = store.open("cand-01", "ml_knowledge", "alice", "ml_engineer")
    assert json.loads(fresh.recovered_from.read_text()) == data


def test_a_second_corrupt_file_in_the_same_second_keeps_both(store):
    card = store.open("cand-01", "coding", "alice", "ml_engineer")
    for text in ("first", "second"):
        card.path.write_text(text)
        with pytest.warns(CorruptScorecardWarning):
            store.open("cand-01", "coding", "alice", "ml_engineer")
    kept = sorted(p.read_text() for p in card.path.parent.glob("*.corrupt-*"))
    assert kept == ["first", "second"]


def test_listing_skips_unreadable_files_and_leaves_them(store):
    store.open("cand-01", "coding", "alice", "ml_engineer")
    broken = store.open("cand-01", "culture", "bob", "ml_engineer").path
    broken.write_text("not json")
    with pytest.warns(CorruptScorecardWarning, match="skipping"):
        cards = store.scorecards("cand-01")
    assert [c.stage_id for c in cards] == ["coding"]
    assert broken.read_text() == "not json"


def test_listing_is_in_panel_order(store, bank):
    for stage in reversed(bank.stages):
        store.open("cand-01", stage.id, "zed", "ml_engineer")
    store.open("cand-01", "coding", "amy", "ml_engineer")
    listed = [(c.stage_id, c.interviewer) for c in store.scorecards("cand-01")]
    expected = sorted(listed, key=lambda x: ([s.id for s in bank.stages].index(x[0]), x[1]))
    assert listed == expected and len(listed) == len(bank.stages) + 1
    assert store.candidates() == ["cand-01"]


def _hammer(root: str, writer: int, rounds: int) -> None:
    store = ScorecardStore(Course(Path(root)))
    card = store.open("cand-01", "culture", "alice", "ml_engineer")
    for i in range(rounds):
        card.set_notes(f"writer {writer} round {i} " + "x" * 5000)


def test_two_processes_saving_one_file_never_tear_it(course, bank):
    first = ScorecardStore(course, bank=bank).open("cand-01", "culture", "alice", "ml_engineer")
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_hammer, args=(str(course.root), w, 150)) for w in (1, 2)]
    for process in writers:
        process.start()
    reads = 0
    while any(p.is_alive() for p in writers) or reads == 0:
        data = json.loads(first.path.read_text())  # a torn file would fail to parse here
        assert data["candidate"] == "cand-01"
        reads += 1
    for process in writers:
        process.join()
        assert process.exitcode == 0
    assert json.loads(first.path.read_text())["notes"].startswith("writer")
    assert [p.name for p in first.path.parent.iterdir()] == [first.path.name]


# --- changing and scoring ---------------------------------------------------------------


def test_ids_from_another_stage_or_unknown_are_refused(store):
    card = store.open("cand-01", "ml_knowledge", "alice", "ml_engineer")
    with pytest.raises(ValueError, match="not part of stage"):
        card.tick("support_tickets.ingestion")
    with pytest.raises(ValueError, match="no point"):
        card.tick("degradation.telepathy")
    with pytest.raises(ValueError, match="not part of stage"):
        card.ask_followup("fraud_detection.timeout")
    with pytest.raises(ValueError, match="category"):
        card.set_level("observability", 3)
    for level in (0, 5, 2.5, True):
        with pytest.raises(ValueError, match="level"):
            card.set_level("concepts", level)
    assert card.ticked == frozenset() and card.levels == {}


def test_coverage_counts_expected_points_of_the_questions_asked(store, bank):
    card = store.open("cand-01", "ml_knowledge", "alice", "ml_engineer")
    planned = bank.planned_questions("ml_engineer", "ml_knowledge")
    assert card.points_expected == sum(len(q.points) for q in planned)
    assert card.coverage == 0.0

    degradation = bank.question("degradation")
    for point in degradation.points[:3]:
        card.tick(point.id)
    card.tick(degradation.red_flags[0].id)  # red flags never count as coverage
    assert card.asked == {"degradation"}
    assert card.coverage == pytest.approx(3 / len(degradation.points))
    assert card.question_coverage("degradation") == pytest.approx(3 / len(degradation.points))
    assert [f.id for f in card.red_flags] == [degradation.red_flags[0].id]

    card.ask_followup("bias_variance.more_data")  # a question outside the profile's plan
    bias = bank.question("bias_variance")
    assert card.asked == {"degradation", "bias_variance"}
    assert card.coverage == pytest.approx(3 / (len(degradation.points) + len(bias.points)))

    card.tick(degradation.points[0].id, False)
    assert card.points_ticked == 2


def test_total_needs_every_category_and_follows_the_thresholds(store):
    card = store.open("cand-01", "system_design", "alice", "ml_engineer")
    rubric = card.rubric
    assert (card.total, card.verdict, card.passed) == (None, Verdict.NOT_SCORED, None)
    card.set_level(rubric.categories[0].id, 4)
    assert card.total is None and card.partial_total == 4 and not card.is_scored

    expectations = [
        (rubric.weak_below - 1, Verdict.CLEAR_FAIL, False),
        (rubric.weak_below, Verdict.FAIL, False),
        (rubric.pass_at - 1, Verdict.FAIL, False),
        (rubric.pass_at, Verdict.PASS, True),
        (rubric.strong_at - 1, Verdict.PASS, True),
        (rubric.strong_at, Verdict.STRONG_PASS, True),
        (rubric.max_total, Verdict.STRONG_PASS, True),
    ]
    for total, verdict, passed in expectations:
        _score(card, total)
        assert (card.verdict, card.passed) == (verdict, passed), total
    card.set_level(rubric.categories[1].id, None)
    assert card.total is None and card.verdict is Verdict.NOT_SCORED


def test_design_card_scores_out_of_twenty_and_passes_at_fourteen(store):
    card = store.open("cand-01", "system_design", "alice", "ml_engineer")
    _score(card, 14)
    assert (card.max_total, card.passed) == (20, True)
    _score(card, 13)
    assert card.passed is False


def test_timer_accumulates_and_survives_reopening(store, clock):
    card = store.open("cand-01", "coding", "alice", "ml_engineer")
    card.start_timer()
    clock.now += 60
    assert card.timer_running and card.elapsed_seconds == 60
    card.stop_timer()
    clock.now += 1000  # stopped: not counted
    card.stop_timer()
    assert card.elapsed_seconds == 60

    card.start_timer()
    clock.now += 30
    card.start_timer()  # already running: keeps the first start
    clock.now += 10
    again = _reopened(store, card)
    assert again.timer_running and again.elapsed_seconds == 100
    again.stop_timer()
    assert _reopened(store, card).elapsed_seconds == 100


def test_listeners_see_each_saved_change_until_removed(store):
    card = store.open("cand-01", "coding", "alice", "ml_engineer")
    seen = []
    stop = card.on_change(lambda c: seen.append(json.loads(c.path.read_text())["ticked"]))
    card.tick("data_cleaning.reports_percent")
    card.tick("data_cleaning.reports_percent")  # no change, no save
    stop()
    card.tick("data_cleaning.no_mutation")
    assert seen == [["data_cleaning.reports_percent"]]


# --- recommendation ---------------------------------------------------------------------


def _panel(store, bank, profile, totals: dict[str, int], candidate="cand-01"):
    """One card per stage, scored with the given totals (stages not named stay unscored)."""
    for stage in bank.profile(profile).stages:
        card = store.open(candidate, stage, "alice", profile)
        if stage in totals:
            _score(card, totals[stage])
    return store.recommendation(candidate)


def _strong(bank) -> dict[str, int]:
    return {s.id: bank.rubric_for(s.id).strong_at for s in bank.stages}


def test_nothing_scored_is_pending(store, bank):
    assert recommend("nobody", [], bank).decision is Decision.PENDING
    assert _panel(store, bank, "ml_engineer", {}).decision is Decision.PENDING


def test_every_stage_strong_is_strong_yes(store, bank):
    result = _panel(store, bank, "ml_engineer", _strong(bank))
    assert (result.decision, result.provisional) == (Decision.STRONG_YES, False)
    assert [r.verdict for r in result.stages] == [Verdict.STRONG_PASS] * len(bank.stages)


def test_a_red_flag_caps_at_yes_and_is_named(store, bank):
    recruiter = store.open("cand-01", "recruiter", "alice", "ml_engineer")
    recruiter.tick("production_system.notebooks_only")
    result = _panel(store, bank, "ml_engineer", _strong(bank))
    assert result.decision is Decision.YES
    flag = bank.point("production_system.notebooks_only").text
    assert any(flag in reason for reason in result.reasons)


def test_core_stage_without_margin_is_yes(store, bank):
    totals = _strong(bank) | {"coding": bank.rubric_for("coding").pass_at}
    result = _panel(store, bank, "ml_engineer", totals)
    assert result.decision is Decision.YES
    assert any("margin" in r and "Coding Assessment" in r for r in result.reasons)


def test_unscored_stage_makes_it_provisional(store, bank):
    totals = {s: t for s, t in _strong(bank).items() if s != "culture"}
    result = _panel(store, bank, "ml_engineer", totals)
    assert (result.decision, result.provisional) == (Decision.YES, True)
    assert any("Culture/Collaboration" in r and "not scored" in r for r in result.reasons)


def test_a_non_core_failure_is_no(store, bank):
    totals = _strong(bank) | {"culture": bank.rubric_for("culture").pass_at - 1}
    result = _panel(store, bank, "ml_engineer", totals)
    assert result.decision is Decision.NO
    assert result.reasons[0] == "Culture/Collaboration fails"


def test_a_core_clear_fail_is_strong_no(store, bank):
    totals = _strong(bank) | {"system_design": bank.rubric_for("system_design").weak_below - 1}
    result = _panel(store, bank, "ml_engineer", totals)
    assert result.decision is Decision.STRONG_NO
    assert "ML System Design" in result.reasons[0]


def test_two_core_fails_are_strong_no(store, bank):
    totals = _strong(bank) | {
        "coding": bank.rubric_for("coding").pass_at - 1,
        "ml_knowledge": bank.rubric_for("ml_knowledge").pass_at - 1,
    }
    assert _panel(store, bank, "ml_engineer", totals).decision is Decision.STRONG_NO


def test_the_profile_decides_which_stages_are_core(store, bank):
    weak = bank.rubric_for("ml_knowledge").weak_below - 1
    totals = _strong(bank) | {"ml_knowledge": weak}
    assert _panel(store, bank, "mlops_engineer", totals, "cand-ops").decision is Decision.NO
    assert _panel(store, bank, "ml_engineer", totals, "cand-mle").decision is Decision.STRONG_NO


def test_interviewers_on_one_stage_are_averaged_and_disagreement_is_named(store, bank):
    rubric = bank.rubric_for("system_design")
    totals = _strong(bank) | {"system_design": rubric.pass_at + 2}
    _panel(store, bank, "ml_engineer", totals)
    second = store.open("cand-01", "system_design", "bob", "ml_engineer")
    _score(second, rubric.pass_at - 1)
    result = store.recommendation("cand-01")
    design = next(r for r in result.stages if r.stage == "system_design")
    assert design.total == pytest.approx((rubric.pass_at + 2 + rubric.pass_at - 1) / 2)
    assert design.interviewers == ("alice", "bob")
    assert design.verdict is Verdict.PASS
    assert any("disagree" in r and "bob: fail" in r for r in result.reasons)


def test_thin_evidence_is_a_caution_only(store, bank):
    result = _panel(store, bank, "ml_engineer", _strong(bank))
    assert result.decision is Decision.STRONG_YES
    assert any("thin evidence" in r for r in result.reasons)


def test_warnings_do_not_leak_from_clean_runs(store, bank):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _panel(store, bank, "data_scientist", _strong(bank))


def test_counts_the_view_shows_come_from_the_model(store, bank, clock):
    """Points heard per question, categories scored and over-time are the model's to compute."""
    stage = bank.stage("ml_knowledge")
    card = store.open("cand-x", "ml_knowledge", "ivy", profile=bank.profiles[0].id)
    question = stage.questions[0]
    card.tick(question.points[0].id)
    card.tick(question.points[1].id)
    assert card.question_points(question.id) == (2, len(question.points))
    card.set_level(card.rubric.categories[0].id, 3)
    assert card.categories_scored == 1
    card.start_timer()
    clock.now += stage.max_minutes * 60 - 1
    assert not card.over_time
    clock.now += 2
    assert card.over_time


# --- the interview package ----------------------------------------------------------------


def test_no_interview_module_imports_one_that_imports_it_back():
    """Counted as import-linter counts them: imports under TYPE_CHECKING and in functions too."""
    import grimp

    graph = grimp.build_graph("mlscreen")
    modules = sorted(m for m in graph.modules if m.partition(".")[2].startswith("interview"))
    both_ways = [
        (a, b)
        for a in modules
        for b in modules
        if a < b and graph.chain_exists(a, b) and graph.chain_exists(b, a)
    ]
    assert len(modules) > 5 and not both_ways


def test_the_public_surface_imports_without_widgets_charts_or_nbgrader():
    code = (
        "import sys; from mlscreen.interview import Scorecard, ScorecardStore; "
        "print(sorted(m for m in ('ipywidgets', 'matplotlib', 'nbgrader') if m in sys.modules)); "
        "from mlscreen.interview import companion; "
        "from mlscreen.interview.app import companion as shown; print(companion is shown)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "True"]
