"""The sample bank graded by the real `nbgrader autograde`: every declared outcome holds, cell by cell.

One batch: every sample becomes a candidate, the real nbgrader grades them all in one run, and
each test cell's grade in the gradebook is compared with what the sample declares (which of its
answer names' test cells pass, which fail). Adversarial samples are graded beside their honest
twin and must get exactly what the twin gets. A sample whose notebook is never graded (missing,
unreadable, or a kernel that died) is graded with notebooks of other samples beside it, so the
candidate's status says something. The reference solutions of the source notebooks are one
three-notebook candidate that must be `graded` with every autograded point.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
import pytest
import yaml

from mlscreen import NOTEBOOKS
from mlscreen.course.gradebook import CellGrade, cell_grades
from mlscreen.grading.batch import grade_batch
from mlscreen.grading.flags import MACHINERY
from mlscreen.grading.report import format_table, write_report
from mlscreen.grading.results import CandidateResult, GradingSummary
from mlscreen.screen.samples import Sample, answer_test_cells, load_samples, write_submission

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
REFERENCE = "reference-solution"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# the figures the README says the report shows ("The report")
README_FIGURES = ("score distribution per notebook", "item analysis", "each candidate's points, status and flags",
                  "which answers each candidate got right")
CELL_LIMIT, CALL_LIMIT = 12, 4  # seconds, for this batch (the kit's defaults: 25 and 10)


def _reference_sample(course, notebook: str) -> Sample:
    """The source notebook's own solutions, as a submission that must pass every test cell."""
    nb = nbformat.read(course.notebook(course.source, notebook), as_version=4)
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", cell.source)
        for cell in nb.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
    }
    written = [c.source for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    explanation = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", written[0], re.S)[1] if written else None
    cells = answer_test_cells(course)[notebook]
    return Sample(id=REFERENCE, notebook=notebook, description="the source solutions", kind="correct",
                  answers=answers, explanation=explanation,
                  expect={name: dict.fromkeys(ids, True) for name, ids in cells.items()})


def _content(sample: Sample) -> str:
    """What a sample's submitted notebook is made of (two samples alike are graded once)."""
    return yaml.safe_dump([sample.notebook, sample.answers, list(sample.extra_cells), sample.explanation,
                           list(sample.tamper)])


@dataclass
class Bank:
    """The graded batch: which candidate holds each sample, the summary, and every cell's grade."""

    samples: dict[str, Sample]  # by student_id: the bank, the generated twins, the reference
    where: dict[str, str]  # sample student_id -> the candidate whose submission holds it
    candidates: dict[str, list[Sample]]
    summary: GradingSummary
    grades: dict[str, dict[tuple[str, str], CellGrade]]  # candidate -> (notebook, grade id) -> grade

    def result(self, sample: Sample) -> CandidateResult:
        return self.summary.result(self.where[sample.student_id])

    def passed(self, sample: Sample) -> dict[str, bool]:
        """Test cell -> whether it passed, for the sample's notebook, from the gradebook."""
        grades = self.grades[self.where[sample.student_id]]
        return {gid: g.passed for (nb, gid), g in grades.items() if nb == sample.notebook and g.answer in
                sample.expect}


def _candidates(samples: list[Sample], course) -> tuple[dict[str, list[Sample]], dict[str, str]]:
    """Candidate id -> samples (one per notebook); and sample -> candidate."""
    candidates: dict[str, list[Sample]] = {REFERENCE: [_reference_sample(course, nb) for nb in NOTEBOOKS]}
    where = {s.student_id: REFERENCE for s in candidates[REFERENCE]}
    # a notebook that is never graded sits beside correct notebooks of the other two: the candidate
    # is then `incomplete` (or `failed`) because of it alone
    companions = {nb: [s for s in samples if s.notebook == nb and s.kind == "correct"] for nb in NOTEBOOKS}
    for sample in (s for s in samples if s.status != "graded"):
        others = [companions[nb].pop(0) for nb in NOTEBOOKS if nb != sample.notebook]
        if sample.status == "failed":  # nothing of a failed candidate is graded: copies, not checked
            others = [replace(s, id=f"{s.id}--beside-{sample.id}") for s in others]
        candidates[sample.student_id] = [sample, *others]
        where.update({s.student_id: sample.student_id for s in [sample, *others]})
    graded_as: dict[str, str] = {}
    for sample in samples + [s.twin for s in samples if s.twin and s.twin.kind == "twin"]:
        if sample.student_id in where:
            continue
        alike = graded_as.setdefault(_content(sample), sample.student_id)
        where[sample.student_id] = alike
        if alike == sample.student_id:
            candidates[alike] = [sample]
    return candidates, where


@pytest.fixture(scope="module")
def graded_bank(built_course) -> Bank:
    samples = load_samples(built_course.samples)
    candidates, where = _candidates(samples, built_course)
    for student in candidates:
        write_submission(built_course, student, candidates[student])
    # The endless-loop samples cost their limits in every cell that calls them: shorter limits
    # (still far above what any correct answer needs) keep the batch quick, and show that the
    # overrides reach kernels started by nbgrader. The defaults are tested in test_time_limits.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MLSCREEN_CELL_LIMIT", str(CELL_LIMIT))
        env.setenv("MLSCREEN_CALL_LIMIT", str(CALL_LIMIT))
        summary = grade_batch(course=built_course, students=list(candidates), force=True)
    everyone = {s.student_id: s for picks in candidates.values() for s in picks}
    everyone.update({s.student_id: s for s in samples})
    everyone.update({s.twin.student_id: s.twin for s in samples if s.twin})
    grades = {c: {(g.notebook, g.grade_id): g for g in cell_grades(built_course, c)} for c in candidates}
    return Bank(everyone, where, candidates, summary, grades)


def _cases():
    samples = load_samples(REPO / "samples")
    ids = [s.student_id for s in samples] + [s.twin.student_id for s in samples if s.twin and s.twin.kind == "twin"]
    return [pytest.param(i, id=i) for i in ids + [f"{nb}--{REFERENCE}" for nb in NOTEBOOKS]]


def _own_notes(result: CandidateResult, notebook: str) -> list[str]:
    return [note for note in result.notes if note.startswith(f"{notebook}.ipynb")]


def _check_notes(sample: Sample, notes: list[str]) -> None:
    """The summary says about the notebook exactly what the sample declares, and nothing else."""
    for expected in sample.notes:
        assert any(expected in note for note in notes), (f"the summary does not say {expected!r}", notes)
    unexpected = [note for note in notes if not any(expected in note for expected in sample.notes)]
    assert not unexpected, ("the summary says what the sample does not declare", unexpected)


@pytest.mark.parametrize("student", _cases())
def test_declared_outcome_holds(graded_bank, built_course, student):
    sample = graded_bank.samples[student]
    result = graded_bank.result(sample)
    answers = [a for a in result.answers if a.notebook == sample.notebook]
    folder = built_course.submitted(graded_bank.where[student])
    if sample.status == "failed":
        assert result.status == "failed", (result.status, result.notes)
        for reason in sample.notes:
            assert any(reason in note for note in result.notes), (f"the reason {reason!r} is not given", result.notes)
        assert result.answers and not any(a.graded for a in result.answers), "a failed candidate has no grade"
        assert result.score == 0 and not built_course.feedback(graded_bank.where[student]).exists()
        return
    if sample.status == "incomplete":
        assert result.status == "incomplete", (result.status, result.notes)
        assert answers and not any(a.graded for a in answers), "a notebook nbgrader never saw is never graded"
        _check_notes(sample, _own_notes(result, sample.notebook))
        path = built_course.notebook(folder, sample.notebook)
        assert not path.exists()
        assert path.with_name(path.name + ".unreadable").exists() == ("broken_json" in sample.tamper)
        return
    assert result.status != "failed", result.notes
    assert answers and all(a.graded for a in answers), "every answer of a submitted notebook is graded"
    if any("time limit" in note for note in sample.notes):
        graded_nb = built_course.notebook(built_course.autograded(graded_bank.where[student]), sample.notebook)
        stopped = {o.get("evalue") for c in nbformat.read(graded_nb, as_version=4).cells for o in c.get("outputs", [])
                   if "TimeLimitExceeded" in o.get("ename", "")}
        assert f"this cell ran over {CELL_LIMIT} s and was stopped" in stopped, stopped
        assert any(v.endswith(f"ran over {CALL_LIMIT} s and was stopped") and not v.startswith("this cell")
                   for v in stopped), stopped
    _check_notes(sample, _own_notes(result, sample.notebook))
    got = graded_bank.passed(sample)
    assert set(got) == set(sample.cells), ("the graded test cells are not the notebook's", sorted(got))
    wrong = {
        gid: f"declared to {'pass' if want else 'fail'}, but it {'passed' if got[gid] else 'failed'}"
        for gid, want in sample.cells.items() if got[gid] != want
    }
    assert not wrong, f"{sample.description}\n{wrong}"


def _adversarial_cases():
    return [pytest.param(s.student_id, id=s.student_id) for s in load_samples(REPO / "samples") if s.twin]


@pytest.mark.parametrize("student", _adversarial_cases())
def test_an_attack_earns_exactly_what_its_honest_twin_earns(graded_bank, student):
    sample = graded_bank.samples[student]
    attack, honest = graded_bank.passed(sample), graded_bank.passed(sample.twin)
    assert honest, "the twin was graded"
    differ = {gid: f"attack {attack.get(gid)}, twin {honest.get(gid)}" for gid in set(attack) | set(honest)
              if attack.get(gid) != honest.get(gid)}
    assert not differ, f"{sample.description}\n{differ}"


def _cheats():
    return [pytest.param(s.student_id, id=s.student_id) for s in load_samples(REPO / "samples")
            if s.id.startswith("adversarial_cheat_")]


@pytest.mark.parametrize("student", _cheats())
def test_a_cheat_that_has_read_the_tests_is_flagged_for_review(graded_bank, student):
    """Stack walks, gc scans, the kit's generators, the course secret, replaced helpers, threads:
    the summary asks a person to look at the notebook (its score is its twin's, tested above)."""
    sample = graded_bank.samples[student]
    flags = [f for f in graded_bank.result(sample).flags if f.kind == MACHINERY and f.notebook == sample.notebook]
    assert flags, f"{sample.description}: not flagged for review"


def _points(course) -> dict[str, float]:
    """The autograded points of each notebook, from the source notebooks' test cells."""
    return {
        name: sum(c.metadata["nbgrader"]["points"]
                  for c in nbformat.read(course.notebook(course.source, name), as_version=4).cells
                  if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"))
        for name in NOTEBOOKS
    }


def test_a_full_candidate_is_graded_with_every_point(graded_bank, built_course):
    result = graded_bank.summary.result(REFERENCE)
    points = _points(built_course)
    assert result.status == "graded" and result.notes == []
    assert {nb: result.notebook_score(nb) for nb in NOTEBOOKS} == {nb: (p, p) for nb, p in points.items()}
    assert result.score == result.max_score == sum(points.values())
    assert result.written == "pending", "the written answer waits for the interviewer"
    assert all(a.graded for a in result.answers)


def test_every_candidate_reached_nbgrader_and_no_test_cell_is_left_without_a_score(graded_bank, built_course):
    for student in graded_bank.candidates:
        result = graded_bank.summary.result(student)
        graded = {a.notebook for a in result.answers if a.graded}
        on_disk = {p.stem for p in built_course.autograded(student).glob("*.ipynb")}
        if result.status == "failed":
            assert not on_disk and not graded, student
            continue
        assert graded and graded == on_disk, (student, graded, on_disk)
        for (notebook, grade_id), grade in graded_bank.grades[student].items():
            if notebook in graded and grade.answer != "explain_bugs":
                assert grade.graded and not grade.needs_manual_grade, (
                    student, grade_id, "a test cell went missing and nobody put it back")


def _text(page: Path) -> str:
    """What a feedback page shows, as text: the highlighter splits code into tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_feedback_shows_no_hidden_test(graded_bank, built_course):
    pages = {
        (student, notebook): built_course.feedback(student) / f"{notebook}.html"
        for student in graded_bank.candidates
        for notebook in {a.notebook for a in graded_bank.summary.result(student).answers if a.graded}
    }
    assert len(pages) > len(graded_bank.candidates), "feedback for every graded notebook"
    visible = {  # lines of visible tests: the search below does see test code
        "data_cleaning": "_loaded = load_data(DATA_PATH)",
        "inference_pipeline": 'assert preprocess("Hello   WORLD") == "hello world"',
        "debug_classifier": "_X_train, _X_test, _y_train, _y_test = split_data(df)",
    }
    for (student, notebook), page in pages.items():
        assert page.is_file(), (student, notebook, "no feedback page")
        text = _text(page)
        assert visible[notebook] in text, page
        for secret in ("BEGIN HIDDEN TESTS", "_hidden_", "_wire.cases", "_tk.restore", "case.answer("):
            assert secret not in text, (page, secret)


def _printed_rows(table: str) -> dict[str, list[str]]:
    lines = table.split("\n\nNotes:")[0].splitlines()
    header = lines[0].split()
    return {row.split()[0]: dict(zip(header, row.split())) for row in lines[1:]}


def test_the_report_files_hold_what_the_table_shows(graded_bank, built_course):
    report = write_report(built_course, graded_bank.summary)
    printed = _printed_rows(format_table(graded_bank.summary))
    with (built_course.reports / "grades.csv").open(newline="", encoding="utf-8") as handle:
        grades = {row["candidate"]: row for row in csv.DictReader(handle)}
    with (built_course.reports / "answers.csv").open(newline="", encoding="utf-8") as handle:
        answers = list(csv.DictReader(handle))
    assert set(grades) == set(printed) == set(graded_bank.candidates)
    for student, row in grades.items():
        shown = printed[student]
        assert shown["status"] == row["status"] and shown["written"] == row["written"]
        for column in (*NOTEBOOKS, "total", "max", "percent"):
            assert float(shown[column]) == pytest.approx(float(row[column])), (student, column)
        # the points are nbgrader's own: the sum of the gradebook's cell grades of graded notebooks
        result = graded_bank.summary.result(student)
        graded = {a.notebook for a in result.answers if a.graded}
        cells = [g for (nb, _), g in graded_bank.grades[student].items() if nb in graded and g.answer != "explain_bugs"]
        assert float(row["total"]) == pytest.approx(sum(g.score for g in cells)), student
        mine = [a for a in answers if a["candidate"] == student]
        assert sum(float(a["score"]) for a in mine if a["written"] == "False") == pytest.approx(float(row["total"]))
        assert {a["notebook"] for a in mine if a["graded"] == "True"} == graded, student
    with (built_course.reports / "cells.csv").open(newline="", encoding="utf-8") as handle:
        cells = {(row["candidate"], row["notebook"], row["grade_id"]): row for row in csv.DictReader(handle)}
    for student in graded_bank.candidates:
        result = graded_bank.summary.result(student)
        graded = {a.notebook for a in result.answers if a.graded}
        for (notebook, grade_id), grade in graded_bank.grades[student].items():
            row = cells.get((student, notebook, grade_id))
            if notebook not in graded or grade.answer == "explain_bugs":
                assert row is None, (student, grade_id, "a cell never graded is not in cells.csv")
                continue
            assert row and float(row["score"]) == grade.score and row["passed"] == str(grade.passed), (
                student, grade_id, row)
    charts = sorted(built_course.reports.glob("*.png"))
    assert len(charts) == len(README_FIGURES) and all(c.read_bytes().startswith(PNG_SIGNATURE) for c in charts)
    page = report.read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == len(README_FIGURES)
    assert all(f"<td>{student}</td>" in page for student in graded_bank.candidates)


def test_the_grading_report_notebook_runs_on_the_batch(graded_bank, built_course):
    from nbclient import NotebookClient

    write_report(built_course, graded_bank.summary)
    nb = nbformat.read(built_course.root / "notebooks" / "grading_report.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(built_course.root / "notebooks")}}).execute()
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == len(README_FIGURES), "the notebook draws the report's figures"
    table = next(o for o in nb.cells[1].outputs if "text/html" in o.get("data", {}))
    assert REFERENCE in table["data"]["text/html"]
