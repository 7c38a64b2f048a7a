"""The `mlscreen` command: a thin layer whose errors are clear lines, not tracebacks."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import nbformat
import pytest

from loopback import free_port
from mlscreen.cli import main
from mlscreen.screen.samples import load_samples, write_submission


def test_help_lists_every_command():
    result = subprocess.run([sys.executable, "-m", "mlscreen.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("build", "grade", "demo", "scorecards", "interview"):
        assert command in result.stdout


def test_outside_a_course_the_error_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLSCREEN_ROOT", raising=False)
    assert main(["grade"]) == 2
    err = capsys.readouterr().err
    assert "no nbgrader_config.py" in err and "MLSCREEN_ROOT" in err


def test_grading_before_building_says_to_build(tmp_path, capsys):
    (tmp_path / "nbgrader_config.py").write_text("")
    assert main(["--root", str(tmp_path), "grade"]) == 2
    assert "run `mlscreen build` first" in capsys.readouterr().err


def _table_row(printed: str, student: str) -> dict[str, str]:
    lines = printed.split("\n\nNotes:")[0].splitlines()
    header = next(line for line in lines if line.split()[:2] == ["candidate", "status"]).split()
    row = next(line for line in lines if line.split()[:1] == [student]).split()
    return dict(zip(header, row))


@pytest.mark.integration
def test_grade_one_student_then_unchanged_then_forced_and_a_failed_candidate_exits_1(built_course, capsys):
    samples = {(s.notebook, s.id): s for s in load_samples(built_course.samples)}
    write_submission(built_course, "cli-one", [samples["data_cleaning", "correct_text_then_convert"]])
    write_submission(built_course, "cli-other", [samples["data_cleaning", "empty_stubs"]])
    root = ["--root", str(built_course.root)]
    graded = built_course.notebook(built_course.autograded("cli-one"), "data_cleaning")

    assert main([*root, "grade", "--student", "cli-one"]) == 0
    printed = capsys.readouterr().out
    row = _table_row(printed, "cli-one")
    assert (row["status"], row["data_cleaning"], row["total"]) == ("incomplete", "15.0", "15.0")
    assert "cli-other" not in printed and not built_course.autograded("cli-other").exists(), "one student only"
    assert f"report: {built_course.reports / 'report.html'}" in printed
    first = graded.stat().st_mtime

    time.sleep(1.1)
    assert main([*root, "grade", "--student", "cli-one"]) == 0
    printed = capsys.readouterr().out
    assert _table_row(printed, "cli-one")["status"] == "skipped" and "use --force to regrade" in printed
    assert graded.stat().st_mtime == first, "an unchanged submission is not graded again"
    assert _table_row(printed, "cli-one")["total"] == "15.0", "nothing graded is lost"

    # A cell pasted twice made nbgrader 0.9.6 give up on a candidate (its DeduplicateIds leaves an
    # empty `nbgrader` entry that OverwriteCells.add_missing_cells reads a grade_id from): the
    # worker's copy is repaired, the first copy graded. A test cell of its own with points that
    # are not a number still makes nbgrader fail the candidate: reported with the exception.
    folder = write_submission(built_course, "cli-pasted", [samples["data_cleaning", "correct_text_then_convert"]])
    broken = write_submission(built_course, "cli-broken", [samples["data_cleaning", "correct_text_then_convert"]])
    for target, change in ((folder, "paste"), (broken, "points")):
        path = built_course.notebook(target, "data_cleaning")
        nb = nbformat.read(path, as_version=4)
        at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "load_data")
        copied = copy.deepcopy(nb.cells[at])
        copied["id"] = "pasted-answer"
        if change == "points":
            copied.metadata["nbgrader"].update(grade=True, grade_id="mine", points="ten")
        nb.cells.insert(at + 1, copied)
        nbformat.write(nb, path)
    assert main([*root, "grade", "--force", *("--student", "cli-one", "--student", "cli-pasted",
                                               "--student", "cli-broken", "--student", "cli-other")]) == 1
    printed = capsys.readouterr().out
    assert _table_row(printed, "cli-one")["status"] == "incomplete" and "already graded" not in printed
    assert graded.stat().st_mtime > first, "--force grades it again"
    assert _table_row(printed, "cli-pasted")["status"] == "incomplete"
    assert _table_row(printed, "cli-pasted")["data_cleaning"] == "15.0", "the first copy is graded"
    assert "cli-pasted: data_cleaning.ipynb: graded cells pasted more than once (load_data)" in printed
    assert _table_row(printed, "cli-broken")["status"] == "failed"
    assert "cli-broken: nbgrader could not grade this submission (data_cleaning.ipynb: KeyError" in printed
    assert "no score recorded" in printed
    assert _table_row(printed, "cli-other")["status"] == "incomplete", "the batch goes on"


@pytest.mark.integration
def test_interview_lab_serves_the_companion_notebook_at_the_printed_url(course_copy):
    port = free_port()
    command = [sys.executable, "-m", "mlscreen.cli", "--root", str(course_copy.root), "interview", "--lab",
               f"--port={port}"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               start_new_session=True)
    try:
        url = None
        for line in process.stdout:
            if line.startswith("Interviewer companion: "):
                url = line.split(": ", 1)[1].strip()
                break
        assert url, "no URL printed"
        parts = urllib.parse.urlsplit(url)
        assert parts.path == "/lab/tree/notebooks/interviewer.ipynb", url
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200 and "jupyterlab" in page.read().decode().lower()
        contents = f"{parts.scheme}://{parts.netloc}/api/contents/notebooks/interviewer.ipynb?{parts.query}"
        with urllib.request.urlopen(contents, timeout=30) as answer:
            notebook = json.loads(answer.read())
        assert notebook["type"] == "notebook" and notebook["content"]["cells"]
        served = nbformat.from_dict(notebook["content"])
        shipped = nbformat.read(course_copy.root / "notebooks" / "interviewer.ipynb", as_version=4)
        assert [c.source for c in served.cells] == [c.source for c in shipped.cells]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=30) == 0, "Ctrl-C (or SIGTERM) stops it cleanly"
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
