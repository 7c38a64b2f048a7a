"""`mlscreen interview`: the companion as a Voilà app, driven through the page it prints."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import time
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
    _wait_for_clock(view, at_least_s=2)
    assert _saved(interview_app.root)["timer_started_at"] is not None

    # A reload is a new kernel: the session comes back from disk, tick included.
    page.reload()
    view = page.locator(f".mlscreen-stage-{STAGE}")
    view.locator(".mlscreen-stage-coverage").filter(has_text="1 / ").wait_for()
    assert view.get_by_role("checkbox", name=point.text, exact=True).is_checked()
    assert view.get_by_role("button", name="Stop timer").is_visible()


def _shown_seconds(text: str) -> int:
    """The time a stage clock shows (`mm:ss` or `h:mm:ss`), in seconds."""
    match = re.search(r"(?:(\d+):)?(\d{2}):(\d{2})", text)
    assert match, f"no clock in {text!r}"
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return 3600 * hours + 60 * minutes + seconds


def _wait_for_clock(view, *, at_least_s: int, timeout_s: float = 20.0) -> None:
    """Wait until the stage's clock shows `at_least_s` or more (a busy machine skips seconds)."""
    timer = view.locator(".mlscreen-timer")
    deadline = time.monotonic() + timeout_s
    while (shown := _shown_seconds(timer.inner_text())) < at_least_s:
        assert time.monotonic() < deadline, f"the clock still shows {shown} s after {timeout_s} s"
        time.sleep(0.1)


def test_ctrl_c_stops_the_app_and_its_server(own_interview_app):
    app = own_interview_app
    port = urlparse(app.url).port
    app.process.send_signal(signal.SIGINT)
    try:
        code = app.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"mlscreen interview ignored Ctrl-C:\n{app.log_tail()}")
    assert code == 0, app.log_tail()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
