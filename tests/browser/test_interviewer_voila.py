"""`mlscreen interview`: the companion as a Voilà app, driven through the page it prints."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from urllib.parse import urlparse

import pytest

from mlscreen.bank import load_bank

pytestmark = pytest.mark.browser

CANDIDATE, INTERVIEWER, PROFILE = "cand-11", "bob", "data_scientist"
STAGE = "recruiter"


def _saved(root) -> dict:
    return json.loads((root / "scorecards" / CANDIDATE / f"{STAGE}-{INTERVIEWER}.json").read_text())


def test_the_app_renders_and_a_tick_lands_on_disk(interview_app, page):
    bank = load_bank()
    stage = bank.stage(STAGE)
    point = bank.planned_questions(PROFILE, STAGE)[0].points[0]
    profile = bank.profile(PROFILE)

    page.goto(interview_app.url)
    picker = page.locator(".mlscreen-picker")
    picker.locator(".mlscreen-candidate input").fill(CANDIDATE)
    picker.locator(".mlscreen-interviewer input").fill(INTERVIEWER)
    profile_label = f"{profile.name} ({profile.focus})"
    picker.locator(".mlscreen-profile select").select_option(label=profile_label)
    picker.get_by_role("button", name="Open scorecard").click()
    page.get_by_role("button", name=f"Begin {stage.name}").click()
    view = page.locator(f".mlscreen-stage-{STAGE}")
    view.get_by_role("checkbox", name=point.text, exact=True).check()
    view.locator(".mlscreen-stage-coverage").filter(has_text="1 / ").wait_for()

    saved = _saved(interview_app.root)
    assert saved["ticked"] == [point.id]
    assert saved["profile"] == PROFILE
    assert "import companion" not in page.content()  # an app: no notebook source shown

    # The stage timer runs in the kernel and the page shows it move.
    view.get_by_role("button", name="Start timer").click()
    view.get_by_role("button", name="Stop timer").wait_for()
    view.locator(".mlscreen-timer").filter(has_text="00:02").wait_for(timeout=10_000)
    assert _saved(interview_app.root)["timer_started_at"] is not None

    # A reload is a new kernel: the session comes back from disk, tick included.
    page.reload()
    view = page.locator(f".mlscreen-stage-{STAGE}")
    view.locator(".mlscreen-stage-coverage").filter(has_text="1 / ").wait_for()
    assert view.get_by_role("checkbox", name=point.text, exact=True).is_checked()
    assert view.get_by_role("button", name="Stop timer").is_visible()


def test_ctrl_c_stops_the_app_and_its_server(interview_app):
    port = urlparse(interview_app.url).port
    interview_app.process.send_signal(signal.SIGINT)
    try:
        code = interview_app.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"mlscreen interview ignored Ctrl-C:\n{interview_app.log_tail()}")
    assert code == 0, interview_app.log_tail()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
