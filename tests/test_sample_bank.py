"""The sample bank graded by the real `nbgrader autograde`: every declared outcome holds.

One batch: every sample becomes its own candidate (one notebook each), the real nbgrader grades
them all in one run, and the gradebook's points per answer name are compared with what each
sample declares. The reference solutions of the source notebooks are graded too and must get
every autograded point.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from mlscreen import NOTEBOOKS
from mlscreen.grading.batch import grade_batch
from mlscreen.screen.samples import Sample, load_samples, outcome_holds, write_submission

pytestmark = pytest.mark.integration


def _reference_sample(course, notebook: str) -> Sample:
    """The source notebook's own solutions, as a submission."""
    nb = nbformat.read(course.notebook(course.source, notebook), as_version=4)
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", cell.source)
        for cell in nb.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
    }
    return Sample(id="reference-solution", notebook=notebook, description="the source solutions",
                  kind="correct", answers=answers, expect={name: "full" for name in answers})


@pytest.fixture(scope="module")
def graded_bank(built_course):
    samples = load_samples(built_course.samples)
    samples += [_reference_sample(built_course, name) for name in NOTEBOOKS]
    shutil.rmtree(built_course.submitted(), ignore_errors=True)
    for sample in samples:
        write_submission(built_course, sample.student_id, [sample])
    summary = grade_batch(course=built_course, force=True)
    return samples, summary


REPO = Path(__file__).resolve().parents[1]


def _cases():
    return [pytest.param(s.student_id, id=s.student_id) for s in load_samples(REPO / "samples")] + [
        pytest.param(f"{name}--reference-solution", id=f"{name}--reference-solution") for name in NOTEBOOKS
    ]


@pytest.mark.parametrize("student", _cases())
def test_declared_outcome_holds(graded_bank, student):
    samples, summary = graded_bank
    sample = next(s for s in samples if s.student_id == student)
    result = summary.result(student)
    scores = {a.answer: a for a in result.answers if a.notebook == sample.notebook}
    own_notes = [note for note in result.notes if note.startswith(f"{sample.notebook}.ipynb")]
    unreadable = [n for n in own_notes if "not submitted" in n or "not valid notebook JSON" in n]
    if sample.status == "failed":
        assert result.status == "failed" or unreadable, (result.status, result.notes)
        assert all(a.score == 0 for a in scores.values())
        return
    assert result.status != "failed" and not unreadable, result.notes
    if set(sample.tamper) - {"broken_json", "missing_notebook"}:
        assert any("test cells" in note for note in own_notes), ("tampering goes unreported", result.notes)
    else:
        assert not any("test cells" in note for note in own_notes), result.notes
    if "_loop_" in sample.id:  # the endless-loop samples
        assert any("time limit" in note for note in own_notes), ("a stopped loop goes unreported", result.notes)
    wrong = {
        name: f"declared {outcome}, got {scores[name].score:g}/{scores[name].max_score:g}"
        for name, outcome in sample.expect.items()
        if not outcome_holds(outcome, scores[name].score, scores[name].max_score)
    }
    assert not wrong, f"{sample.description}\n{wrong}"


def test_the_batch_finishes_and_nothing_is_left_ungraded(graded_bank):
    samples, summary = graded_bank
    assert {r.student for r in summary.results} == {s.student_id for s in samples}
    for result in summary.results:
        if result.status != "failed":
            assert not any(a.needs_manual_grade for a in result.answers if a.answer != "explain_bugs"), (
                result.student, "a test cell went missing and nobody put it back")


def test_feedback_shows_no_hidden_test(graded_bank, built_course):
    pages = list(built_course.feedback().rglob("*.html"))
    assert pages, "feedback was written"
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for secret in ("BEGIN HIDDEN TESTS", "_hidden_", "_reference_preprocess", "_tk.restore"):
            assert secret not in text, (page, secret)


def test_the_grading_report_notebook_runs_on_the_batch(graded_bank, built_course):
    from nbclient import NotebookClient

    from mlscreen.grading.report import write_report

    samples, summary = graded_bank
    write_report(built_course, summary)
    nb = nbformat.read(built_course.root / "notebooks" / "grading_report.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(built_course.root / "notebooks")}}).execute()
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2
    table = next(o for o in nb.cells[1].outputs if "text/html" in o.get("data", {}))
    assert "reference-solution" in table["data"]["text/html"]
