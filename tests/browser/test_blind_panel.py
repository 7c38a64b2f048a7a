"""Blind until submitted, in the real app (`mlscreen interview`, Voilà, headless Chromium):
interviewer B sees nothing of A's submitted scorecard until B submits, then sees it beside B's."""

from __future__ import annotations

import json

import pytest

from mlscreen.bank import load_bank
from mlscreen.course import Course
from mlscreen.interview import ScorecardStore

pytestmark = pytest.mark.browser

CANDIDATE, PROFILE, STAGE = "cand-21", "ml_engineer", "ml_knowledge"
A, B = "alice", "bob"
A_NOTE = "ALICE-PRIVATE-NOTE: weak on leakage"


def _submit_as_alice(root) -> None:
    """A's card, scored 1 everywhere (total 5/20) with a note, submitted before B opens."""
    card = ScorecardStore(Course(root)).open(CANDIDATE, STAGE, A, PROFILE)
    for category in card.rubric.categories:
        card.set_level(category.id, 1)
    card.set_notes(A_NOTE)
    card.submit()


def test_b_cannot_see_a_scores_before_submitting_and_can_after(interview_app, page):
    bank = load_bank()
    stage, rubric, profile = bank.stage(STAGE), bank.rubric_for(STAGE), bank.profile(PROFILE)
    _submit_as_alice(interview_app.root)

    page.goto(interview_app.url)
    picker = page.locator(".mlscreen-picker")
    picker.locator(".mlscreen-candidate input").fill(CANDIDATE)
    picker.locator(".mlscreen-interviewer input").fill(B)
    profile_label = f"{profile.name} ({profile.focus})"
    picker.locator(".mlscreen-profile select").select_option(label=profile_label)
    picker.get_by_role("button", name="Open scorecard").click()
    page.get_by_role("tab", name=stage.name).click()
    page.get_by_role("button", name=f"Begin {stage.name}").click()

    view = page.locator(f".mlscreen-stage-{STAGE}")
    panel = view.locator(".mlscreen-panel")
    panel.locator(".mlscreen-panel-hidden").wait_for()
    assert "hidden until you submit yours" in panel.inner_text()

    # B scores every category 4; nothing of A reaches the page meanwhile.
    for category in rubric.categories:
        level = category.level(4)
        view.locator(f".mlscreen-level-{category.id}").get_by_role(
            "radio", name=f"4 {level.label}: {level.descriptor}", exact=True
        ).check()
    view.locator(".mlscreen-total").filter(has_text=f"20 / {rubric.max_total}").wait_for()
    html = page.content()
    assert A_NOTE not in html and A not in html, "A's card reached the page before B submitted"
    recommendation = page.locator(".mlscreen-recommendation").inner_text()
    assert "5/20" not in recommendation and "12.5/20" not in recommendation

    view.get_by_role("button", name="Submit scorecard").click()
    grid = panel.locator(".mlscreen-panel-grid")
    grid.wait_for()
    shown = panel.inner_text()
    assert A in shown and B in shown and A_NOTE in shown
    # Every category: A 1, B 4 -> median 2.5, three levels apart (flagged for the debrief).
    assert "differ by 3" in shown
    assert "12.5/20" in grid.inner_text()
    page.locator(".mlscreen-recommendation").filter(has_text="12.5/20").wait_for()

    saved = json.loads(
        (interview_app.root / "scorecards" / CANDIDATE / f"{STAGE}-{B}.json").read_text()
    )
    assert [entry["kind"] for entry in saved["submissions"]] == ["submitted"]
    assert view.locator(".mlscreen-level-concepts input").first.is_disabled()
