"""The grading report: report.html embeds every figure, each PNG a real, non-blank image; the
candidates' rows carry status and flags; who could not be graded and why; flagged pairs side by
side; the grading report notebook draws the same figures. A hand-made batch (no grading), and the
report `make demo` leaves (`mlscreen demo`, run once per session)."""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from mlscreen import NOTEBOOKS, Course
from mlscreen.course.cells import grade_id
from mlscreen.course.gradebook import answer_name
from mlscreen.grading.figures import FIGURES, item_rates, load_tables
from mlscreen.grading.flags import flags_for
from mlscreen.grading.report import CELL_COLUMNS, format_table, hidden_tests, write_report
from mlscreen.grading.results import AnswerResult, CandidateResult, GradingSummary
from mlscreen.grading.submitted_code import WrittenCell, reference_answers

REPO = Path(__file__).resolve().parents[1]
IMG = re.compile(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)">')


def _check_png(png: bytes, what: str) -> None:
    """A PNG that decodes, of a reasonable size, with something drawn on it."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), what
    image = Image.open(io.BytesIO(png))
    image.verify()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    height, width, _ = pixels.shape
    assert width >= 300 and height >= 200, (what, width, height)
    inked = (pixels.min(axis=2) < 200).mean()  # share of pixels that are not white or near it
    colours = len(np.unique(pixels.reshape(-1, 3), axis=0))
    assert 0.01 < inked < 0.9 and colours > 20, (what, inked, colours)


def _assignment(course: Course) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], bool]]:
    """(notebook, answer) -> points, and (notebook, test cell) -> hidden, from the source."""
    points: dict[tuple[str, str], float] = {}
    for name in NOTEBOOKS:
        nb = nbformat.read(course.notebook(course.source, name), as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                key = (name, answer_name(grade_id(cell)))
                points[key] = points.get(key, 0.0) + float(meta.get("points", 0))
    return points, hidden_tests(course)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Five candidates by hand: full marks, mixed, a missing notebook, a failed one, and two who
    share an answer (one of them also patching pandas), with cell results that make one hidden test
    missed by most and one test passed by all."""
    course = Course(REPO).copy_to(tmp_path_factory.mktemp("report") / "course")
    points, hidden = _assignment(course)
    rng = np.random.default_rng(7)
    plan = {"ada": 1.0, "grace": 0.6, "alan": 0.4, "linus": 0.5, "mallory": None}
    results, cells = [], []
    for student, skill in plan.items():
        result = CandidateResult(student)
        missing = {"debug_classifier"} if student == "linus" else set(NOTEBOOKS) if skill is None else set()
        for (notebook, answer), most in points.items():
            written = answer == "explain_bugs"
            graded = notebook not in missing
            tests = [gid for (nb, gid) in hidden if nb == notebook and answer_name(gid) == answer]
            passed = {gid: graded and (skill == 1.0 or gid == "load_data__visible"
                                       or (gid != "load_data__markers" and rng.random() < skill)) for gid in tests}
            per = most / max(len(tests), 1)
            score = 0.0 if written else per * sum(passed.values())
            result.answers.append(AnswerResult(student, notebook, answer, score, most, written, written, graded))
            cells += [[student, notebook, gid, answer, per * ok, per, ok, graded, hidden[(notebook, gid)]]
                      for gid, ok in passed.items() if graded]
        results.append(result)
    summary = GradingSummary(results)
    summary.result("linus").status = "incomplete"
    summary.result("linus").notes.append("debug_classifier.ipynb was not submitted; scored 0")
    summary.result("mallory").status = "failed"
    summary.result("mallory").notes.append("nbgrader could not grade this submission (DeadKernelError: "
                                           "Kernel died); no score recorded")
    shared = reference_answers(course)[("data_cleaning", "load_data")]
    flags = flags_for(course, {
        "grace": [WrittenCell("data_cleaning", "load_data", 3, shared)],
        "alan": [WrittenCell("data_cleaning", "load_data", 3, shared.replace("frame", "table")),
                 WrittenCell("data_cleaning", "load_data", 4, "import numpy as np\nnp.allclose = print", True)],
    })
    for student, found in flags.items():
        summary.result(student).flags = found
    report = write_report(course, summary, cells=pd.DataFrame(cells, columns=CELL_COLUMNS))
    return course, summary, report


def test_the_report_embeds_every_figure_and_each_png_is_a_real_image(batch):
    course, _, report = batch
    page = report.read_text(encoding="utf-8")
    embedded = IMG.findall(page)
    assert [alt for alt, _ in embedded] == list(FIGURES.values())
    for (alt, data), name in zip(embedded, FIGURES):
        png = base64.b64decode(data)
        _check_png(png, alt)
        assert (course.reports / f"{name}.png").read_bytes() == png, "the same PNG beside the page"
    assert all(f"![{title}]({name}.png)" in (course.reports / "report.md").read_text() for name, title in FIGURES.items())


def test_the_page_shows_rows_flags_who_could_not_be_graded_and_the_pairs(batch):
    course, summary, report = batch
    page = report.read_text(encoding="utf-8")
    for student in ("ada", "grace", "alan", "linus", "mallory"):
        assert f"<td>{student}</td>" in page
    assert "<td class='failed'>failed</td>" in page and "<td class='incomplete'>incomplete</td>" in page
    ungraded = page.split("<h2>Could not be graded</h2>")[1].split("<h2>")[0]
    assert "mallory" in ungraded and "DeadKernelError" in ungraded
    assert "linus" in ungraded and "debug_classifier.ipynb was not submitted" in ungraded
    assert "ada" not in ungraded
    review = page.split("<h2>Flags for review")[1]
    assert "<h3>data_cleaning/load_data: alan, grace, the reference solution</h3>" in review
    assert review.count("<div class='pair'>") == 1, "one group: the strongest pair side by side"
    also = review.split("Also alike: ")[1].split("</p>")[0]
    assert also.count(" and ") == 2, "the group's other two pairs named"
    assert "<span class='same'>" in review and "patches modules: numpy.allclose" in review
    missed = page.split("Most-missed hidden behaviours:")[1].split("</p>")[0]
    assert "<code>load_data__markers</code> (1/4)" in missed, "only ada passes it"
    assert "<code>load_data__visible</code> (4/4)" in page.split("<b>No one fails</b>")[1].split("</p>")[0]
    with (course.reports / "grades.csv").open(newline="", encoding="utf-8") as handle:
        grades = {row["candidate"]: row for row in csv.DictReader(handle)}
    assert grades["ada"]["flags"] == ""
    assert grades["alan"]["flags"].splitlines()[0].startswith("data_cleaning/load_data: in a cell added after it")
    assert grades["grace"]["flags"].startswith("data_cleaning/load_data: alike alan's answer (100%), "
                                               "the reference solution (100%)")
    printed = format_table(summary)
    header = printed.splitlines()[0].split()
    assert header[:2] == ["candidate", "status"] and header[-1] == "flags"
    assert printed.split("Flags for review (a flag never changes a score):\n")[1].count("  alan: ") == 2


def test_item_rates_mark_the_most_missed_hidden_tests_and_those_no_one_fails(batch):
    course, _, _ = batch
    rates = item_rates(load_tables(course.reports)["cells"]).set_index("grade_id")
    assert rates.loc["load_data__markers", "mark"] == "most missed"
    assert rates.loc["load_data__visible", "mark"] == "never failed"
    assert set(rates["mark"]) <= {"", "most missed", "never failed"}
    assert (rates[rates["mark"] == "most missed"]["hidden"]).all()


def test_the_grading_report_notebook_draws_the_same_figures(batch):
    from nbclient import NotebookClient

    course, _, _ = batch
    nb = nbformat.read(course.root / "notebooks" / "grading_report.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), "stored without outputs"
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(course.root / "notebooks")}}).execute()
    shown = [base64.b64decode(o["data"]["image/png"]) for c in nb.cells for o in c.get("outputs", [])
             if "image/png" in o.get("data", {})]
    assert shown == [(course.reports / f"{name}.png").read_bytes() for name in FIGURES]
    tables = [o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert "mallory" in tables[0] and any("DeadKernelError" in t for t in tables)
    assert any("numpy.allclose" in t for t in tables)


@pytest.mark.integration
def test_make_demo_ends_with_the_report_and_its_figures(demo_run):
    assert demo_run.returncode == 0, demo_run.stderr[-3000:]
    assert f"report: {demo_run.course.reports / 'report.html'}" in demo_run.stdout
    page = (demo_run.reports / "report.html").read_text(encoding="utf-8")
    embedded = IMG.findall(page)
    assert [alt for alt, _ in embedded] == list(FIGURES.values())
    for alt, data in embedded:
        _check_png(base64.b64decode(data), alt)
    with (demo_run.reports / "cells.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == CELL_COLUMNS
    assert {row["candidate"] for row in rows} == {"ada", "grace", "alan", "barbara", "linus", "mallory"}
    assert "<h2>Could not be graded</h2>" in page and "mallory" in page.split("<h2>Could not be graded</h2>")[1]


def test_the_report_module_is_where_the_notebook_gets_its_figures():
    text = (REPO / "notebooks" / "grading_report.ipynb").read_text()
    assert "from mlscreen.grading.figures import" in text and "report_figures(course.reports)" in text
