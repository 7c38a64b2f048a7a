"""Submitting a scorecard: it locks, with its time and content hash; a later change is an
amendment with its own time and reason, recorded beside the submission, never a silent edit."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mlscreen.course import Course
from mlscreen.interview.card_state import CardFormatError, CardState
from mlscreen.interview.scorecard import ScorecardLocked
from mlscreen.interview.store import CorruptScorecardWarning, ScorecardStore
from mlscreen.interview.submission import changes

STAGE = "ml_knowledge"


@pytest.fixture
def store(tmp_path: Path, bank, clock) -> ScorecardStore:
    return ScorecardStore(Course(tmp_path), bank=bank, clock=clock)


def _scored(store, interviewer="alice", level=3):
    card = store.open("cand-01", STAGE, interviewer, "ml_engineer")
    for category in card.rubric.categories:
        card.set_level(category.id, level)
    return card


def _reopen(store, card):
    return ScorecardStore(store.course, bank=store.bank, clock=store._clock).open(
        card.candidate, card.stage_id, card.interviewer
    )


def test_a_card_is_submitted_only_once_every_category_is_scored(store):
    card = store.open("cand-01", STAGE, "alice", "ml_engineer")
    card.set_level("concepts", 3)
    with pytest.raises(ValueError, match="score every rubric category.*Evaluation"):
        card.submit()
    assert not card.submitted and not card.locked


def test_submitting_records_the_time_and_the_hash_of_the_content(store, clock):
    card = _scored(store)
    card.tick("degradation.data_drift")
    card.set_notes("clear on drift")
    clock.now += 60
    card.submit()
    saved = json.loads(card.path.read_text())
    [entry] = saved["submissions"]
    assert entry["kind"] == "submitted" and entry["at"] == clock.now and entry["reason"] == ""
    # The hash is SHA-256 of the judgement as canonical JSON, computed here independently.
    judgement = {
        "candidate": "cand-01", "stage": STAGE, "interviewer": "alice", "profile": "ml_engineer",
        "asked": ["degradation"], "ticked": ["degradation.data_drift"], "followups": [],
        "levels": {c.id: 3 for c in card.rubric.categories}, "notes": "clear on drift",
        "question_notes": {},
    }
    canonical = json.dumps(judgement, sort_keys=True, separators=(",", ":"))
    assert entry["hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert entry["content"] == judgement
    assert card.submitted_at == clock.now and card.locked and card.integrity is None


def test_a_submitted_card_refuses_every_change_and_the_file_stays_as_it_was(store):
    card = _scored(store)
    card.submit()
    before = card.path.read_text()
    for change in (
        lambda: card.set_level("concepts", 1),
        lambda: card.set_level("concepts", None),
        lambda: card.tick("degradation.data_drift"),
        lambda: card.mark_asked("imbalance"),
        lambda: card.ask_followup("degradation.late_labels"),
        lambda: card.set_notes("second thoughts"),
        lambda: card.set_question_note("imbalance", "hm"),
        lambda: card.set_profile("data_scientist"),
        lambda: card.start_timer(),
        lambda: card.submit(),
    ):
        with pytest.raises(ScorecardLocked, match="submitted"):
            change()
    assert card.path.read_text() == before
    assert _reopen(store, card).locked


def test_submitting_stops_a_running_timer_and_the_timer_stays_stopped(store, clock):
    card = _scored(store)
    card.start_timer()
    clock.now += 90
    card.submit()
    assert not card.timer_running and card.elapsed_seconds == 90
    card.amend("typo in the notes")
    with pytest.raises(ScorecardLocked, match="timer"):
        card.start_timer()


def test_an_amendment_needs_a_reason_and_is_recorded_beside_the_submission(store, clock):
    card = _scored(store)
    card.submit()
    first = card.submissions[0]
    with pytest.raises(ValueError, match="reason"):
        card.amend("   ")
    clock.now += 3600
    card.amend("re-read my notes: the leakage answer was better")
    assert card.amending and not card.locked
    card.set_level("data_quality", 4)
    clock.now += 60
    card.submit()
    assert card.locked and card.amending is None
    first_again, amendment = card.submissions
    assert first_again == first  # the submission itself is never rewritten
    assert amendment.kind == "amended" and amendment.at == clock.now
    assert amendment.reason == "re-read my notes: the leakage answer was better"
    assert amendment.content["levels"]["data_quality"] == 4
    assert first.content["levels"]["data_quality"] == 3
    assert changes(first.content, amendment.content) == ["data_quality 3 -> 4"]
    reopened = _reopen(store, card)
    assert [e.kind for e in reopened.submissions] == ["submitted", "amended"]
    assert reopened.level("data_quality") == 4 and reopened.integrity is None


def test_an_amendment_that_changes_nothing_is_refused_and_cancelling_restores_the_card(store):
    card = _scored(store)
    card.set_notes("first take")
    card.submit()
    card.amend("second look")
    with pytest.raises(ValueError, match="changes nothing"):
        card.submit()
    card.set_level("concepts", 1)
    card.set_notes("changed my mind")
    card.cancel_amendment()
    assert card.locked and card.level("concepts") == 3 and card.notes == "first take"
    assert len(card.submissions) == 1 and card.integrity is None


def test_a_draft_cannot_be_amended(store):
    card = _scored(store)
    with pytest.raises(ValueError, match="only a submitted card"):
        card.amend("why not")


def test_an_edit_on_disk_after_submission_is_found_by_the_hash(store):
    card = _scored(store)
    card.submit()
    data = json.loads(card.path.read_text())
    data["levels"]["concepts"] = 1  # a silent edit, outside the kit
    card.path.write_text(json.dumps(data))
    edited = _reopen(store, card)
    assert edited.integrity == "the content changed after submission without an amendment"
    data["submissions"][0]["content"]["levels"]["concepts"] = 1  # and the log too
    card.path.write_text(json.dumps(data))
    assert "does not match its recorded hash" in _reopen(store, card).integrity


def test_a_log_that_does_not_start_with_the_submission_is_not_a_scorecard(store):
    card = _scored(store)
    card.submit()
    card.amend("more")
    card.set_level("concepts", 2)
    card.submit()
    data = json.loads(card.path.read_text())
    data["submissions"].reverse()
    with pytest.raises(CardFormatError, match="start with one submission"):
        CardState.from_dict(data)
    data["submissions"].reverse()
    data["submissions"][1]["reason"] = ""
    with pytest.raises(CardFormatError, match="without a reason"):
        CardState.from_dict(data)
    card.path.write_text(json.dumps(data))
    with pytest.warns(CorruptScorecardWarning):
        assert store.scorecards("cand-01") == []


def test_a_schema_1_card_reads_as_a_draft_and_is_saved_as_schema_2(store):
    card = _scored(store)
    data = json.loads(card.path.read_text())
    data["schema"] = 1
    del data["submissions"], data["amending"]
    card.path.write_text(json.dumps(data))
    old = _reopen(store, card)
    assert not old.submitted and old.level("concepts") == 3
    old.submit()
    assert json.loads(old.path.read_text())["schema"] == 2


def test_opening_a_locked_card_with_another_profile_keeps_the_submitted_one(store):
    card = _scored(store)
    card.submit()
    again = store.open("cand-01", STAGE, "alice", "data_scientist")
    assert again.profile_id == "ml_engineer" and again.integrity is None


def test_the_content_hash_ignores_the_timer_but_not_the_judgement(store, clock):
    card = _scored(store)
    before = card.content_hash
    card.start_timer()
    clock.now += 10
    card.stop_timer()
    assert card.content_hash == before
    card.set_question_note("imbalance", "knew focal loss")
    assert card.content_hash != before
