"""The interviewer companion in the real JupyterLab: run it, tick, score, restart, find it again."""

from __future__ import annotations

import json
import re
import time

import pytest

from mlscreen.bank import load_bank
from mlscreen.course import Course
from mlscreen.interview import ScorecardStore

pytestmark = pytest.mark.browser

CANDIDATE, INTERVIEWER, PROFILE = "cand-07", "alice", "ml_engineer"
STAGE = "system_design"
NOTE = "Strong on serving; never mentioned PII."
KERNEL_IDLE = '.jp-StatusBar-TextItem[title^="Change kernel"]'


def _wait_idle(page) -> None:
    page.locator(KERNEL_IDLE).filter(has_text="Idle").wait_for()


def _run_all(page) -> None:
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def _restart_kernel(page) -> None:
    page.get_by_role("menuitem", name="Kernel", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Restart Kernel…")).first.click()
    page.locator(".jp-Dialog").get_by_role("button", name="Confirm Kernel Restart").click()
    page.locator(".jp-Dialog").wait_for(state="detached")


def _card(root):
    return ScorecardStore(Course(root)).open(CANDIDATE, STAGE, INTERVIEWER)


def _saved(root) -> dict:
    return json.loads((root / "scorecards" / CANDIDATE / f"{STAGE}-{INTERVIEWER}.json").read_text())


def test_ticks_scores_and_notes_survive_a_kernel_restart(lab_server, page):
    bank = load_bank()
    design = bank.stage(STAGE)
    question = bank.planned_questions(PROFILE, STAGE)[0]
    points = question.points[:2]
    rubric = bank.rubric_for(STAGE)

    page.goto(lab_server.url)
    _wait_idle(page)
    _run_all(page)

    picker = page.locator(".mlscreen-picker")
    picker.locator(".mlscreen-candidate input").fill(CANDIDATE)
    picker.locator(".mlscreen-interviewer input").fill(INTERVIEWER)
    picker.get_by_role("button", name="Open scorecard").click()
    page.get_by_role("tab", name=design.name).click()
    page.get_by_role("button", name=f"Begin {design.name}").click()

    stage = page.locator(f".mlscreen-stage-{STAGE}")
    for point in points:
        stage.get_by_role("checkbox", name=point.text, exact=True).check()
    for category in rubric.categories:
        level = category.level(3)
        stage.locator(f".mlscreen-level-{category.id}").get_by_role(
            "radio", name=f"3 {level.label}: {level.descriptor}", exact=True
        ).check()
    stage.locator(".mlscreen-notes textarea").fill(NOTE)

    expected_total = 3 * len(rubric.categories)
    shown_total = f"{expected_total} / {rubric.max_total}"
    stage.locator(".mlscreen-total").filter(has_text=shown_total).wait_for()
    assert stage.locator(".mlscreen-verdict").inner_text().strip() == "pass"
    question_box = stage.locator(f".mlscreen-question-{question.id}")
    assert f"2 / {len(question.points)} points heard" in question_box.locator(
        ".mlscreen-question-coverage"
    ).inner_text()

    # The page only shows a total once it is saved: the card on disk already holds it.
    card = _card(lab_server.root)
    assert card.ticked == {p.id for p in points}
    assert card.levels == {c.id: 3 for c in rubric.categories}
    assert card.total == expected_total and card.passed is True
    coverage_text = stage.locator(".mlscreen-stage-coverage").inner_text()
    assert f"{card.points_ticked} / {card.points_expected}" in coverage_text
    _wait_for_saved_note(lab_server.root)
    assert f"{design.name} {expected_total}/{rubric.max_total}" in page.locator(
        ".mlscreen-stage-badges"
    ).inner_text()

    _restart_kernel(page)
    _wait_idle(page)
    _run_all(page)
    # A fresh kernel ran the cell (an old one would number it [2]).
    page.locator(".jp-CodeCell .jp-InputPrompt").filter(has_text="[1]:").wait_for()

    # The last session reopens by itself with everything as it was.
    page.get_by_role("tab", name=design.name).click()
    _assert_restored(page, question, points, shown_total)
    assert _saved(lab_server.root)["ticked"] == sorted(p.id for p in points)

    # Closing the browser tab loses nothing either: run again in a new tab, all is there.
    second = page.context.new_page()
    page.close()
    second.goto(lab_server.url)
    _wait_idle(second)
    _run_all(second)
    second.get_by_role("tab", name=design.name).click()
    _assert_restored(second, question, points, shown_total)


def _assert_restored(page, question, points, shown_total: str) -> None:
    stage = page.locator(f".mlscreen-stage-{STAGE}")
    stage.locator(".mlscreen-total").filter(has_text=shown_total).wait_for()
    for point in points:
        assert stage.get_by_role("checkbox", name=point.text, exact=True).is_checked()
    unticked = question.points[len(points)]
    assert not stage.get_by_role("checkbox", name=unticked.text, exact=True).is_checked()
    assert stage.locator(".mlscreen-notes textarea").input_value() == NOTE
    assert stage.locator(".mlscreen-verdict").inner_text().strip() == "pass"


def _wait_for_saved_note(root, timeout_s: float = 10.0) -> None:
    """The note is saved keystroke by keystroke; wait for the last one to reach the kernel."""
    deadline = time.monotonic() + timeout_s
    while _saved(root)["notes"] != NOTE:
        assert time.monotonic() < deadline, f"note not saved: {_saved(root)['notes']!r}"
        time.sleep(0.1)
