"""A live session in the real JupyterLab: the candidate answers, the interviewer watches, submits,
and reads the autograded score in the companion.

One session (`mlscreen.session.start_session`, as `mlscreen lab` runs it) on a course of its own,
and the companion (`mlscreen interview`, Voilà) on the same course. The candidate's browser
opens their URL, runs a visible test (it fails on the stub), writes the answer, runs it again
(it passes); the interviewer's browser, with the other URL, sees the answer, the test's run
and the candidate's name live; the interviewer's "Submit and grade now" copies the workspace
into `submitted/` and grades it; the companion's coding stage then shows the gradebook's score.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from mlscreen.bank import load_bank
from mlscreen.course import Course
from mlscreen.course.cells import cell_index
from mlscreen.course.gradebook import notebook_scores, notebook_totals
from mlscreen.session import start_session, stop_session

pytestmark = pytest.mark.browser

CANDIDATE, NAME, INTERVIEWER, PROFILE = "cand-live", "Ada Lovelace", "Bob", "ml_engineer"
NOTEBOOK, ANSWER, VISIBLE_TEST = "data_cleaning", "missing_report", "missing_report__visible"
KERNEL_IDLE = '.jp-StatusBar-TextItem[title^="Change kernel"]'
GRADING_TIMEOUT_MS = 240_000
_NOT_LOCAL = r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"


@pytest.fixture(scope="module")
def live(browser, built_course, jupyter_env):
    """A course, the candidate's session on it, and the companion app on it; all stopped after."""
    base = Path(tempfile.mkdtemp(prefix="mlscreen-live-test-", dir="/tmp"))
    os.chmod(base, 0o755)
    course = Course(base / "course")
    course.root.mkdir()
    shutil.copy2(built_course.root / "nbgrader_config.py", course.root)
    for folder in ("source", "release", "notebooks"):
        shutil.copytree(built_course.root / folder, course.root / folder)
    shutil.copy2(built_course.gradebook, course.gradebook)  # the assignment is known to it
    sessions = base / "sessions"
    companion = _start_companion(course, jupyter_env, base / "companion.log")
    try:
        started = start_session(course=course, candidate=CANDIDATE, candidate_name=NAME,
                                interviewer_name=INTERVIEWER, sessions=sessions)
        try:
            yield course, started.record, _companion_url(companion, base / "companion.log")
        finally:
            stop_session(candidate=CANDIDATE, sessions=sessions)
    finally:
        _stop(companion)
        shutil.rmtree(base, ignore_errors=True)


def _start_companion(course: Course, env: dict, log: Path) -> subprocess.Popen:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "mlscreen.cli", "--root", str(course.root), "interview",
             f"--port={port}"], cwd=course.root, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)


def _companion_url(process: subprocess.Popen, log: Path, timeout_s: float = 60.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("Interviewer companion: "):
                return line.split(": ", 1)[1].strip()
        assert process.poll() is None, log.read_text()
        time.sleep(0.2)
    raise AssertionError(f"the companion printed no URL:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route(_NOT_LOCAL, lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def _solution(course: Course) -> str:
    """The model answer of one cell, from the source notebook (markers taken out)."""
    nb = nbformat.read(course.notebook(course.source, NOTEBOOK), as_version=4)
    source = nb.cells[cell_index(nb, ANSWER)].source
    return "\n".join(line for line in source.splitlines() if "### " not in line) + "\n"


def _run(page, cell) -> None:
    """Run one cell (click its editor, Shift+Enter) and wait until it has finished."""
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "([el, before]) => /\\[\\d+\\]/.test(el.innerText) && el.innerText !== before",
        arg=[prompt.element_handle(), before])


def test_the_candidate_answers_the_interviewer_watches_submits_and_reads_the_score(live, browser):
    course, record, companion_url = live
    released = nbformat.read(course.notebook(course.release, NOTEBOOK), as_version=4)
    setup, answer, test = 1, cell_index(released, ANSWER), cell_index(released, VISIBLE_TEST)
    solution = _solution(course)

    # The candidate's URL: the plan first, then the notebook, with no token of anyone in the page.
    candidate = _new_page(browser)
    candidate.goto(record.candidate_url)
    candidate.get_by_text("Planned time: 60-75 minutes").first.wait_for()
    for token in (record.interviewer_token, record.candidate_token):
        assert token not in candidate.content()
    candidate.goto(record.url(f"lab/tree/{NOTEBOOK}.ipynb"))
    candidate.locator(KERNEL_IDLE).filter(has_text="Idle").wait_for()
    assert candidate.evaluate("fetch('/api/me').then(r => r.json())")["identity"]["display_name"] == NAME
    cells = candidate.locator(".jp-Notebook .jp-Cell")
    for index in (setup, answer, test):
        _run(candidate, cells.nth(index))
    assert "NotImplementedError" in cells.nth(test).locator(".jp-OutputArea").inner_text()

    # The answer, typed into the cell; the visible test now passes.
    cells.nth(answer).locator(".cm-content").click()
    candidate.keyboard.press("Control+a")
    candidate.keyboard.insert_text(solution)
    for index in (answer, test):
        _run(candidate, cells.nth(index))
    assert cells.nth(test).locator(".jp-OutputArea-output").count() == 0  # no error, no output
    ran = cells.nth(test).locator(".jp-InputPrompt").inner_text()

    # The interviewer's URL: the same notebook, live: the answer, the test's run, the name.
    interviewer = _new_page(browser)
    interviewer.goto(record.url(f"lab/tree/{NOTEBOOK}.ipynb", interviewer=True))
    interviewer.locator(KERNEL_IDLE).filter(has_text="Idle").wait_for()
    seen = interviewer.locator(".jp-Notebook .jp-Cell")
    seen.nth(answer).locator(".cm-content").filter(has_text="df.isna().mean() * 100.0").wait_for()
    assert seen.nth(test).locator(".jp-InputPrompt").inner_text() == ran
    interviewer.locator('.jp-SideBar .lm-TabBar-tab[data-id="jp-collaboration-panel"]').click()
    cells.nth(answer).locator(".cm-content").click()
    candidate.keyboard.press("Control+End")
    candidate.keyboard.insert_text("# checked the empty frame too\n")
    seen.nth(answer).locator(".cm-content").filter(has_text="checked the empty frame too").wait_for()
    interviewer.locator(".jp-CollaboratorsList").filter(has_text=NAME).wait_for()
    interviewer.locator(".jp-remote-userFlag-name").filter(has_text=NAME).first.wait_for()

    # Saved by the candidate (collaboration also saves on its own): the answer is on disk.
    candidate.keyboard.press("Control+s")
    on_disk = Path(record.course).parent / "sessions" / CANDIDATE / "workspace" / f"{NOTEBOOK}.ipynb"
    deadline = time.monotonic() + 30
    while "checked the empty frame too" not in on_disk.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the answer never reached the workspace on disk"
        time.sleep(0.2)

    # The interviewer submits from their side: copied into submitted/ and graded at once.
    interviewer.goto(record.page_url)
    interviewer.on("dialog", lambda dialog: dialog.accept())
    interviewer.get_by_role("button", name="Submit and grade now").click()
    interviewer.locator(".mlscreen-submit-state").filter(
        has_text=re.compile("Submitted and graded|failed")).wait_for(timeout=GRADING_TIMEOUT_MS)
    assert interviewer.locator(".mlscreen-submit-state").inner_text() == "Submitted and graded."
    submitted = course.submitted(CANDIDATE)
    assert "checked the empty frame too" in course.notebook(submitted, NOTEBOOK).read_text()
    assert (submitted / "timestamp.txt").is_file()
    total, most, _ = notebook_totals(notebook_scores(course, CANDIDATE))
    assert total > 0

    # The companion's coding stage shows that score, read from the gradebook.
    bank = load_bank()
    stage, profile = bank.stage("coding"), bank.profile(PROFILE)
    companion = _new_page(browser)
    companion.goto(companion_url)
    picker = companion.locator(".mlscreen-picker")
    picker.locator(".mlscreen-candidate input").fill(CANDIDATE)
    picker.locator(".mlscreen-interviewer input").fill("bob")
    picker.locator(".mlscreen-profile select").select_option(label=f"{profile.name} ({profile.focus})")
    picker.get_by_role("button", name="Open scorecard").click()
    companion.get_by_role("tab", name=stage.name).click()
    companion.get_by_role("button", name=f"Begin {stage.name}").click()
    row = companion.locator(".mlscreen-autograded-table tr").filter(has_text="Total")
    row.filter(has_text=f"{total:g} / {most:g}").wait_for()
