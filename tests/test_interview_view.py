"""The interviewer companion without a browser: drive the widgets from Python, check the
scorecard, its JSON on disk and what the widgets display."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pytest

from loopback import free_port
from mlscreen.bank import Bank
from mlscreen.course import Course
from mlscreen.course.gradebook import NotebookScore
from mlscreen.interview.app import companion, launch
from mlscreen.interview.session_view import InterviewView
from mlscreen.interview.store import CorruptScorecardWarning, ScorecardStore

REPO = Path(__file__).resolve().parents[1]
CANDIDATE, INTERVIEWER, PROFILE = "cand-01", "alice", "ml_engineer"


@pytest.fixture
def course(tmp_path) -> Course:
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    return Course(tmp_path)


@pytest.fixture
def store(course, bank, clock) -> ScorecardStore:
    return ScorecardStore(course, bank=bank, clock=clock)


@pytest.fixture
def views():
    """Build views with `views(...)`; every one is closed (timer thread stopped) afterwards."""
    made = []

    def make(store, scores=None, **session):
        ids = {"candidate": CANDIDATE, "interviewer": INTERVIEWER, "profile": PROFILE, **session}
        view = InterviewView(store, coding_scores=scores, **ids)
        made.append(view)
        return view

    yield make
    for view in made:
        view.close()


# --- finding widgets as a stylesheet or a browser test would ------------------------------


def _all(widget, css: str) -> list:
    """Every widget under `widget` (itself included) carrying the CSS class `css`."""
    found = [widget] if css in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += _all(child, css)
    return found


def _one(widget, css: str):
    found = _all(widget, css)
    assert len(found) == 1, f"{len(found)} widgets with class {css}"
    return found[0]


def _text(widget) -> str:
    """The text an HTML widget displays (tags removed, entities resolved, spaces collapsed)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", widget.value))
    return " ".join(text.split())


def _box(widget, css: str, description: str):
    boxes = [w for w in _all(widget, css) if w.description == description]
    assert len(boxes) == 1, f"{len(boxes)} {css} boxes named {description!r}"
    return boxes[0]


def _begin(view, stage_id: str):
    page = _one(view, f"mlscreen-page-{stage_id}")
    _one(page, "mlscreen-begin").click()
    return _one(page, f"mlscreen-stage-{stage_id}")


def _saved(course: Course, stage: str, interviewer: str = INTERVIEWER) -> dict:
    path = course.scorecards / CANDIDATE / f"{stage}-{interviewer}.json"
    return json.loads(path.read_text())


def _fresh_card(store, stage: str):
    """The card as another process would read it from disk."""
    return ScorecardStore(store.course, bank=store.bank).open(CANDIDATE, stage, INTERVIEWER)


# --- stages, points, counters ---------------------------------------------------------------


def test_one_tab_per_stage_of_the_profile_and_no_file_until_one_is_begun(store, views, bank):
    view = views(store)
    tabs = _one(view, "mlscreen-tabs")
    profile = bank.profile(PROFILE)
    assert list(tabs.titles) == [bank.stage(s).name for s in profile.stages]
    assert not store.course.scorecards.exists()
    assert _text(_one(view, "mlscreen-stage-badges")).count("not begun") == len(profile.stages)

    _begin(view, "ml_knowledge")

    assert _saved(store.course, "ml_knowledge")["profile"] == PROFILE
    assert [p.name for p in (store.course.scorecards / CANDIDATE).iterdir()] == [
        f"ml_knowledge-{INTERVIEWER}.json"
    ]


def test_ticks_are_saved_and_counted(store, views, bank):
    view = views(store)
    stage = _begin(view, "system_design")
    question = bank.planned_questions(PROFILE, "system_design")[0]
    first, second = question.points[:2]

    _box(stage, "mlscreen-point", first.text).value = True
    assert _saved(store.course, "system_design")["ticked"] == [first.id]
    _box(stage, "mlscreen-point", second.text).value = True

    assert set(_saved(store.course, "system_design")["ticked"]) == {first.id, second.id}
    card = _fresh_card(store, "system_design")
    assert card.ticked == {first.id, second.id}
    box = _one(stage, f"mlscreen-question-{question.id}")
    heard = _text(_one(box, "mlscreen-question-coverage"))
    assert heard == f"2 / {len(question.points)} points heard"
    shown = _text(_one(stage, "mlscreen-stage-coverage"))
    assert f"{card.points_ticked} / {card.points_expected}" in shown
    assert card.points_ticked == 2 and f"({card.coverage:.0%})" in shown

    _box(stage, "mlscreen-point", first.text).value = False
    assert _saved(store.course, "system_design")["ticked"] == [second.id]
    assert _text(_one(box, "mlscreen-question-coverage")).startswith("1 / ")


def test_asking_a_question_outside_the_plan_makes_coverage_count_it(store, views, bank):
    view = views(store)
    stage = _begin(view, "ml_knowledge")
    planned = bank.planned_questions(PROFILE, "ml_knowledge")
    other = next(q for q in bank.stage("ml_knowledge").questions if q not in planned)
    box = _one(_one(stage, "mlscreen-other-questions"), f"mlscreen-question-{other.id}")

    _one(box, "mlscreen-asked").value = True

    assert _saved(store.course, "ml_knowledge")["asked"] == [other.id]
    card = _fresh_card(store, "ml_knowledge")
    assert card.points_expected == len(other.points)
    assert _text(_one(stage, "mlscreen-stage-coverage")) == (
        f"Coverage: 0 / {len(other.points)} expected points (0%) over 1 question"
    )
    _box(box, "mlscreen-point", other.points[0].text).value = True
    assert _text(_one(box, "mlscreen-question-coverage")) == f"1 / {len(other.points)} points heard"


def test_red_flags_and_follow_ups_are_saved(store, views, bank):
    view = views(store)
    stage = _begin(view, "recruiter")
    question = bank.stage("recruiter").questions[0]
    flag, followup = question.red_flags[0], question.followups[0]

    _box(stage, "mlscreen-red-flag", flag.text).value = True
    _box(stage, "mlscreen-followup", followup.text).value = True

    saved = _saved(store.course, "recruiter")
    assert saved["ticked"] == [flag.id]
    assert saved["followups"] == [followup.id]
    assert _text(_one(stage, "mlscreen-red-flag-count")) == "1 red flag"
    assert f"red flag in {bank.stage('recruiter').name}: {flag.text}" in _text(
        _one(view, "mlscreen-recommendation")
    )


# --- rubric, totals, pass/fail ------------------------------------------------------------


def _choose(stage, category_id: str, level: int) -> None:
    _one(stage, f"mlscreen-level-{category_id}").value = level


def test_design_rubric_totals_out_of_twenty_and_passes_at_fourteen(store, views, bank):
    view = views(store)
    stage = _begin(view, "system_design")
    categories = bank.rubric_for("system_design").categories
    assert "Scalability & deployment" in [c.name for c in categories]

    for category in categories[:-1]:
        _choose(stage, category.id, 3)
    assert _text(_one(stage, "mlscreen-total")) == (
        "Total: 12 / 20 so far (4 of 5 scored; pass at 14)"
    )
    assert _text(_one(stage, "mlscreen-verdict")) == "not scored"

    _choose(stage, categories[-1].id, 2)
    assert _text(_one(stage, "mlscreen-total")) == "Total: 14 / 20 (pass at 14)"
    assert _text(_one(stage, "mlscreen-verdict")) == "pass"
    assert "ML System Design 14/20 pass" in _text(_one(view, "mlscreen-stage-badges"))
    assert _saved(store.course, "system_design")["levels"] == {
        **{c.id: 3 for c in categories[:-1]}, categories[-1].id: 2,
    }
    assert _fresh_card(store, "system_design").passed is True

    _choose(stage, categories[0].id, 2)
    assert _text(_one(stage, "mlscreen-total")) == "Total: 13 / 20 (pass at 14)"
    assert _text(_one(stage, "mlscreen-verdict")) == "fail"
    assert _fresh_card(store, "system_design").passed is False
    assert "Recommendation: no" in _text(_one(view, "mlscreen-recommendation"))


def test_clearing_a_level_removes_it_from_the_card(store, views, bank):
    view = views(store)
    stage = _begin(view, "culture")
    category = bank.rubric_for("culture").categories[0]
    _choose(stage, category.id, 4)
    assert _saved(store.course, "culture")["levels"] == {category.id: 4}

    row_buttons = _all(stage, "mlscreen-level-clear")
    row_buttons[0].click()

    assert _saved(store.course, "culture")["levels"] == {}
    assert _one(stage, f"mlscreen-level-{category.id}").value is None


def test_every_level_shows_its_descriptor_and_the_design_note_is_shown(store, views, bank):
    view = views(store)
    stage = _begin(view, "system_design")
    rubric = bank.rubric_for("system_design")
    for category in rubric.categories:
        labels = [label for label, _ in _one(stage, f"mlscreen-level-{category.id}").options]
        assert labels == [f"{lv.score} {lv.label}: {lv.descriptor}" for lv in category.levels]
    note = _text(_one(stage, "mlscreen-rubric-note"))
    assert "fifth category, Scalability & deployment" in note
    assert "out of 20" in note


# --- notes, timer ---------------------------------------------------------------------------


def test_notes_are_saved_as_typed(store, views, bank):
    view = views(store)
    stage = _begin(view, "ml_knowledge")
    question = bank.planned_questions(PROFILE, "ml_knowledge")[0]
    notes = _one(stage, "mlscreen-notes")
    for typed in ("Cal", "Calm, structured."):
        notes.value = typed
        assert _saved(store.course, "ml_knowledge")["notes"] == typed
    answer = _one(_one(stage, f"mlscreen-question-{question.id}"), "mlscreen-question-note")
    answer.value = "Named drift first."
    saved = _saved(store.course, "ml_knowledge")
    assert saved["question_notes"] == {question.id: "Named drift first."}


def _wait_for_text(widget, expected: str, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while expected not in _text(widget):
        assert time.monotonic() < deadline, f"{expected!r} not in {_text(widget)!r}"
        time.sleep(0.05)


def test_the_timer_runs_against_the_planned_duration(store, views, clock):
    view = views(store)
    stage = _begin(view, "recruiter")  # planned 20-30 min
    toggle = _one(stage, "mlscreen-timer-toggle")
    timer = _one(stage, "mlscreen-timer")
    assert "00:00 of 20–30 min planned" in _text(timer)

    toggle.value = True
    assert toggle.description == "Stop timer"
    assert _saved(store.course, "recruiter")["timer_started_at"] == clock.now
    clock.now += 31 * 60
    _wait_for_text(timer, "31:00 of 20–30 min planned over time")  # the display ticks by itself

    toggle.value = False
    saved = _saved(store.course, "recruiter")
    shown = time.strftime("%H:%M:%S", time.localtime(saved["updated_at"]))
    assert _text(_one(stage, "mlscreen-saved")) == f"Last saved {shown}"
    assert saved["timer_started_at"] is None and saved["elapsed_seconds"] == 31 * 60
    assert toggle.description == "Start timer"


# --- nothing lost ---------------------------------------------------------------------------


def test_a_new_view_shows_exactly_what_was_saved(store, views, bank, clock):
    first = views(store)
    stage = _begin(first, "system_design")
    question = bank.planned_questions(PROFILE, "system_design")[0]
    point, followup = question.points[1], question.followups[0]
    category = bank.rubric_for("system_design").categories[2]
    _box(stage, "mlscreen-point", point.text).value = True
    _box(stage, "mlscreen-followup", followup.text).value = True
    _choose(stage, category.id, 4)
    _one(stage, "mlscreen-notes").value = "Good on drift."
    _one(stage, "mlscreen-timer-toggle").value = True
    first.close()

    again = views(ScorecardStore(store.course, bank=bank, clock=clock))
    stage = _one(again, "mlscreen-stage-system_design")  # begun before: opened as it was
    ticked = [b.description for b in _all(stage, "mlscreen-point") if b.value]
    assert ticked == [point.text]
    assert [b.description for b in _all(stage, "mlscreen-followup") if b.value] == [followup.text]
    categories = bank.rubric_for("system_design").categories
    shown = {c.id: _one(stage, f"mlscreen-level-{c.id}").value for c in categories}
    assert shown == {c.id: (4 if c is category else None) for c in categories}
    assert _one(stage, "mlscreen-notes").value == "Good on drift."
    assert _one(stage, "mlscreen-timer-toggle").value is True
    assert _all(again, "mlscreen-stage-recruiter") == []  # never begun: still pending


def test_a_failed_save_is_shown_not_swallowed(store, views, bank):
    view = views(store)
    stage = _begin(view, "coding")
    points = bank.stage("coding").questions[0].points
    folder = store.course.scorecards / CANDIDATE
    shutil.rmtree(folder)
    folder.write_text("not a folder")  # the next save cannot create its file

    _box(stage, "mlscreen-point", points[0].text).value = True
    assert _text(_one(stage, "mlscreen-error")).startswith("Not saved:")

    folder.unlink()
    _box(stage, "mlscreen-point", points[1].text).value = True
    assert _text(_one(stage, "mlscreen-error")) == ""
    assert points[1].id in _saved(store.course, "coding")["ticked"]


def test_an_unreadable_card_is_set_aside_and_the_interviewer_told(store, views):
    path = store.course.scorecards / CANDIDATE / f"culture-{INTERVIEWER}.json"
    path.parent.mkdir(parents=True)
    path.write_text("{ torn")
    with pytest.warns(CorruptScorecardWarning):
        view = views(store)
    stage = _one(view, "mlscreen-stage-culture")
    kept = [p.name for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert len(kept) == 1 and (path.parent / kept[0]).read_text() == "{ torn"
    assert kept[0] in _text(_one(stage, "mlscreen-error"))


# --- autograded scores beside the coding rubric --------------------------------------------


def test_autograded_scores_sit_beside_the_coding_rubric(store, views):
    scores = [NotebookScore(CANDIDATE, "data_cleaning", 3.0, 5.0, False)]
    view = views(store, scores=lambda: list(scores))
    coding = _begin(view, "coding")
    rubric, autograded = _one(coding, "mlscreen-rubric"), _one(coding, "mlscreen-autograded")
    rows = [w for w in _walk(coding) if isinstance(w, widgets.HBox)]
    assert any(w.children == (rubric, autograded) for w in rows), "side by side in one row"
    table = _one(coding, "mlscreen-autograded-table")
    assert _text(table) == "data_cleaning 3 / 5 Total 3 / 5"

    scores.append(NotebookScore(CANDIDATE, "debug_classifier", 4.0, 4.0, True))
    _one(coding, "mlscreen-autograded-reload").click()
    assert _text(table) == (
        "data_cleaning 3 / 5 debug_classifier 4 / 4 needs manual grade Total 7 / 9"
    )
    assert _all(_begin(view, "culture"), "mlscreen-autograded") == []


def test_the_bank_says_which_stage_shows_the_autograded_scores(course, bank, clock, views):
    stages = tuple(replace(s, shows_autograded_scores=s.id == "ml_knowledge") for s in bank.stages)
    moved = Bank(
        stages=stages,
        rubrics=bank.rubrics,
        profiles=bank.profiles,
    )
    scores = [NotebookScore(CANDIDATE, "data_cleaning", 3.0, 5.0, False)]
    view = views(ScorecardStore(course, bank=moved, clock=clock), scores=lambda: list(scores))
    assert _all(_begin(view, "coding"), "mlscreen-autograded") == []
    knowledge = _begin(view, "ml_knowledge")
    assert _text(_one(knowledge, "mlscreen-autograded-table")) == "data_cleaning 3 / 5 Total 3 / 5"


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own, on setup
def test_the_companion_reads_the_candidates_scores_from_the_gradebook(course):
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url) as gb:
        gb.add_assignment(course.assignment)
        gb.add_notebook("data_cleaning", course.assignment)
        gb.add_grade_cell("clean__missing", "data_cleaning", course.assignment, max_score=6,
                          cell_type="code")
        gb.add_student(CANDIDATE)
        gb.add_submission(course.assignment, CANDIDATE)
        grade = gb.find_grade("clean__missing", "data_cleaning", course.assignment, CANDIDATE)
        grade.auto_score = 4.5
        grade.needs_manual_grade = False
        gb.db.commit()

    shown = companion(CANDIDATE, INTERVIEWER, PROFILE, course=course)
    try:
        coding = _begin(shown.session, "coding")
        assert _text(_one(coding, "mlscreen-autograded-table")) == (
            "data_cleaning 4.5 / 6 Total 4.5 / 6"
        )
    finally:
        shown.close()


def test_no_gradebook_says_so(store, views):
    view = views(store, scores=list)
    coding = _begin(view, "coding")
    assert _text(_one(coding, "mlscreen-autograded-table")) == "No autograded scores yet."


# --- submitting, amending, and the panel hidden until you submit ------------------------


def _score_all(stage, rubric, level: int) -> None:
    for category in rubric.categories:
        _choose(stage, category.id, level)


def _inputs(stage) -> list:
    kinds = (widgets.Checkbox, widgets.RadioButtons, widgets.Textarea)
    return [w for w in _walk(stage) if isinstance(w, kinds)]


def test_submitting_locks_the_stage_and_an_amendment_unlocks_it_with_its_reason(
    store, views, bank, clock
):
    view = views(store)
    stage = _begin(view, "ml_knowledge")
    rubric = bank.rubric_for("ml_knowledge")
    submit = _one(stage, "mlscreen-submit")
    assert submit.disabled and "Draft" in _text(_one(stage, "mlscreen-submission-status"))
    _score_all(stage, rubric, 3)
    assert not submit.disabled
    submit.click()

    saved = _saved(store.course, "ml_knowledge")
    assert [e["kind"] for e in saved["submissions"]] == ["submitted"]
    assert all(w.disabled for w in _inputs(stage)) and _inputs(stage)
    status = _text(_one(stage, "mlscreen-submission-status"))
    assert "Submitted" in status and saved["submissions"][0]["hash"][:12] in status
    _choose(stage, "concepts", 1)  # a disabled widget set from code: the card refuses it
    assert _fresh_card(store, "ml_knowledge").level("concepts") == 3
    assert _one(stage, "mlscreen-level-concepts").value == 3

    _one(stage, "mlscreen-amend").click()  # no reason: refused, still locked
    assert "needs a reason" in _text(_one(stage, "mlscreen-submission-error"))
    _one(stage, "mlscreen-amend-reason").value = "misheard the drift answer"
    _one(stage, "mlscreen-amend").click()
    assert not any(w.disabled for w in _inputs(stage))
    _choose(stage, "concepts", 2)
    clock.now += 60
    resubmit = _one(stage, "mlscreen-submit")
    assert resubmit.description == "Submit amendment"
    resubmit.click()
    saved = _saved(store.course, "ml_knowledge")
    assert [e["kind"] for e in saved["submissions"]] == ["submitted", "amended"]
    assert saved["submissions"][1]["reason"] == "misheard the drift answer"
    status = _text(_one(stage, "mlscreen-submission-status"))
    assert "Amended" in status and "concepts 3 -> 2" in status
    assert all(w.disabled for w in _inputs(stage))


def _everything_shown(view) -> str:
    """Every value the view's widgets hold: what the browser could ever receive."""
    return " ".join(str(getattr(w, "value", "")) for w in _walk(view)) + " ".join(
        str(getattr(w, "options", "")) for w in _walk(view)
    )


def test_the_panel_shows_nothing_of_another_card_until_you_submit_yours(store, views, bank):
    rubric = bank.rubric_for("ml_knowledge")
    alice = store.open(CANDIDATE, "ml_knowledge", "alice", PROFILE)
    for category in rubric.categories:
        alice.set_level(category.id, 1)
    alice.set_notes("ALICE-PRIVATE-NOTE")
    alice.submit()

    view = views(store, interviewer="bob")
    stage = _begin(view, "ml_knowledge")
    panel = _one(stage, "mlscreen-panel")
    assert "hidden until you submit yours" in _text(_one(panel, "mlscreen-panel-table"))
    assert "ALICE-PRIVATE-NOTE" not in _everything_shown(view)
    assert "alice" not in _everything_shown(view)
    assert "5/20" not in _text(_one(view, "mlscreen-recommendation"))  # alice's total

    _score_all(stage, rubric, 4)
    assert "alice" not in _everything_shown(view)
    _one(stage, "mlscreen-submit").click()
    grid = _text(_one(panel, "mlscreen-panel-table"))
    assert "alice" in grid and "bob" in grid and "ALICE-PRIVATE-NOTE" in grid
    # Core concepts: alice 1, bob 4 -> median 2.5, 3 levels apart: flagged
    assert "Core concepts 1 4 2.5 differ by 3" in grid
    assert "Total 5 20 12.5/20" in grid
    assert "ML Knowledge (core): 12.5/20" in _text(_one(view, "mlscreen-recommendation"))


def test_anonymous_mode_shows_the_candidate_id_only(store, views, bank):
    store.folder.mkdir(parents=True)
    (store.folder / "candidates.yaml").write_text(f"{CANDIDATE}: Ada Lovelace\n")
    named = views(store)
    assert "Candidate Ada Lovelace (cand-01)" in _text(_one(named, "mlscreen-session"))
    anonymous = replace(bank, settings=replace(bank.settings, anonymous=True))
    view = views(ScorecardStore(store.course, bank=anonymous, clock=store._clock))
    assert "Candidate cand-01" in _text(_one(view, "mlscreen-session"))
    assert "Ada" not in _everything_shown(view) and "Lovelace" not in _everything_shown(view)


# --- the companion: pickers and the remembered session ----------------------------------


def test_the_picker_opens_a_session_and_the_next_run_reopens_it(course, bank):
    first = companion(course=course)
    picker = _one(first, "mlscreen-picker")
    _one(picker, "mlscreen-candidate").value = CANDIDATE
    _one(picker, "mlscreen-interviewer").value = INTERVIEWER
    _one(picker, "mlscreen-profile").value = "mlops_engineer"
    _one(picker, "mlscreen-open").click()
    assert first.session is not None
    stage = _begin(first, "recruiter")
    point = bank.planned_questions("mlops_engineer", "recruiter")[0].points[0]
    _box(stage, "mlscreen-point", point.text).value = True

    second = companion(course=course)  # a re-run of the cell, e.g. after a kernel restart
    try:
        assert first.comm is None and stage.comm is None, "the earlier companion is closed"
        session = second.session
        assert session is not None and "role profile MLOps Engineer" in _text(
            _one(session, "mlscreen-session")
        )
        stage = _one(session, "mlscreen-stage-recruiter")
        assert _box(stage, "mlscreen-point", point.text).value is True
        _one(second, "mlscreen-switch").click()
        picker = _one(second, "mlscreen-picker")
        assert _one(picker, "mlscreen-candidate").value == CANDIDATE
        assert second.session is None
    finally:
        second.close()


def test_a_known_candidate_keeps_their_profile(course, store):
    store.open(CANDIDATE, "culture", "carol", "data_scientist")
    shown = companion(course=course)
    try:
        picker = _one(shown, "mlscreen-picker")
        assert _one(picker, "mlscreen-candidate").options == (CANDIDATE,)
        _one(picker, "mlscreen-candidate").value = CANDIDATE
        assert _one(picker, "mlscreen-profile").value == "data_scientist"
    finally:
        shown.close()


def test_naming_a_candidate_opens_their_cards_with_their_profile(course, store, bank):
    store.open(CANDIDATE, "coding", INTERVIEWER, "mlops_engineer")
    shown = companion(CANDIDATE, INTERVIEWER, course=course)
    try:
        assert shown.session is not None
        assert "role profile MLOps Engineer" in _text(_one(shown.session, "mlscreen-session"))
        assert _all(shown.session, "mlscreen-stage-coding") != []
    finally:
        shown.close()


@pytest.mark.parametrize("candidate", ["", "../etc", "a b"])
def test_unsafe_ids_are_refused_in_the_picker(course, candidate):
    shown = companion(course=course)
    try:
        picker = _one(shown, "mlscreen-picker")
        _one(picker, "mlscreen-candidate").value = candidate
        _one(picker, "mlscreen-interviewer").value = INTERVIEWER
        _one(picker, "mlscreen-open").click()
        assert "invalid candidate id" in _text(_one(picker, "mlscreen-error"))
        assert shown.session is None
        assert not course.scorecards.exists()
    finally:
        shown.close()


# --- the notebook -------------------------------------------------------------------------


def test_the_notebook_is_a_few_lines_without_outputs():
    notebook = nbformat.read(REPO / "notebooks" / "interviewer.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == 1 and len(code[0].source.splitlines()) <= 4
    assert "companion()" in code[0].source
    assert code[0].outputs == [] and code[0].execution_count is None
    assert set(notebook.metadata) == {"kernelspec", "language_info"}
    assert all(cell.metadata == {} for cell in notebook.cells)


def test_the_notebook_runs_and_finds_the_course_from_its_own_folder(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    shutil.copy2(REPO / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    monkeypatch.delenv("MLSCREEN_ROOT", raising=False)
    (tmp_path / "scorecards").mkdir()
    (tmp_path / "scorecards" / ".companion-session.json").write_text(
        json.dumps({"candidate": CANDIDATE, "interviewer": INTERVIEWER, "profile": PROFILE})
    )
    notebook = nbformat.read(tmp_path / "notebooks" / "interviewer.ipynb", as_version=4)
    where = {"metadata": {"path": str(tmp_path / "notebooks")}}
    NotebookClient(notebook, timeout=60, resources=where).execute()

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert [o.output_type for o in outputs] == ["execute_result"]
    assert "application/vnd.jupyter.widget-view+json" in outputs[0].data
    # The session remembered in this course's scorecards/ was found and reopened.
    state = json.dumps(notebook.metadata["widgets"])
    assert f"Candidate {CANDIDATE}" in state


# --- `mlscreen interview` ----------------------------------------------------------------


def test_launch_refuses_a_busy_port_and_a_missing_notebook(course):
    with pytest.raises(FileNotFoundError, match="interviewer notebook"):
        launch(course=course, port=free_port())
    (course.root / "notebooks").mkdir()
    shutil.copy2(REPO / "notebooks" / "interviewer.ipynb", course.root / "notebooks")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(RuntimeError, match="already in use"):
            launch(course=course, port=busy.getsockname()[1])


@pytest.mark.parametrize("lab", [False, True], ids=["voila", "lab"])
def test_the_interview_command_serves_until_stopped(tmp_path, lab):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        (tmp_path / var).mkdir()
        env[var] = str(tmp_path / var)
    port = free_port()
    command = [sys.executable, "-m", "mlscreen.cli", "--root", str(root), "interview",
               f"--port={port}", *(["--lab"] if lab else [])]
    log = tmp_path / "out.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = _printed_url(log, process)
        if lab:  # the status route answers without starting a kernel
            probe = url.replace("/lab/tree/notebooks/interviewer.ipynb?", "/api/status?")
        else:
            probe = url
        with urllib.request.urlopen(probe, timeout=30) as response:
            assert response.status == 200
        assert url.startswith(f"http://127.0.0.1:{port}/")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _printed_url(log: Path, process: subprocess.Popen, timeout_s: float = 60.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("Interviewer companion: "):
                return line.split(": ", 1)[1].strip()
        assert process.poll() is None, f"exited with {process.returncode}:\n{log.read_text()}"
        time.sleep(0.2)
    raise AssertionError(f"no URL printed:\n{log.read_text()}")
