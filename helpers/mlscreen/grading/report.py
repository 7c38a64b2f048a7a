"""The grades of a batch: a printed table, CSV files (`grades.csv` with a `flags` column,
`answers.csv`, `cells.csv` of every test cell's result) and a report with PNG figures
(`report.md`, and `report.html` with everything inline)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd

from ..common.files import write_atomic
from ..course.cells import test_cells
from ..course.gradebook import cell_grades
from ..course.layout import NOTEBOOKS, Course
from .figures import FIGURES, TABLES, load_tables, report_figures
from .flags import flag_lines
from .report_page import report_page
from .results import GradingSummary

CELL_COLUMNS = ["candidate", "notebook", "grade_id", "answer", "score", "max_score", "passed", "graded", "hidden"]


def grades_table(summary: GradingSummary) -> pd.DataFrame:
    """One row per candidate: status, points per notebook, total and percentage, notes, flags."""
    rows = []
    for result in summary.results:
        row = {"candidate": result.student, "status": result.status}
        for name in NOTEBOOKS:
            score, max_score = result.notebook_score(name)
            row[name] = score
        row["total"] = result.score
        row["max"] = result.max_score
        row["percent"] = round(100 * result.score / result.max_score, 1) if result.max_score else 0.0
        row["written"] = result.written
        row["notes"] = "; ".join(result.notes)
        row["flags"] = "\n".join(flag_lines(result.flags))  # one flag a line
        rows.append(row)
    return pd.DataFrame(rows)


def answers_table(summary: GradingSummary) -> pd.DataFrame:
    """One row per candidate and answer name, with its points (for per-answer plots); `graded` is
    False for an answer nbgrader never graded (0 points then mean "nothing to grade")."""
    return pd.DataFrame(
        [
            {"candidate": a.student, "notebook": a.notebook, "answer": a.answer, "score": a.score,
             "max_score": a.max_score, "written": a.written, "needs_manual_grade": a.needs_manual_grade,
             "graded": a.graded}
            for result in summary.results for a in result.answers
        ],
        columns=["candidate", "notebook", "answer", "score", "max_score", "written",
                 "needs_manual_grade", "graded"],
    )


def hidden_tests(course: Course) -> dict[tuple[str, str], bool]:
    """(notebook, grade id) of every test cell -> whether it holds hidden tests (from `source/`)."""
    found = {}
    for name in NOTEBOOKS:
        nb = nbformat.read(course.notebook(course.source, name), as_version=4)
        found.update({(name, gid): "BEGIN HIDDEN TESTS" in cell.source for gid, cell in test_cells(nb).items()})
    return found


def cells_table(course: Course, summary: GradingSummary) -> pd.DataFrame:
    """One row per candidate and test cell of every notebook nbgrader graded (from the gradebook)."""
    tests = hidden_tests(course)
    rows = []
    for result in summary.results:
        graded = {a.notebook for a in result.answers if a.graded}
        if result.status == "failed" or not graded:
            continue
        for grade in cell_grades(course, result.student):
            if grade.notebook in graded and (grade.notebook, grade.grade_id) in tests:
                rows.append({"candidate": result.student, "notebook": grade.notebook, "grade_id": grade.grade_id,
                             "answer": grade.answer, "score": grade.score, "max_score": grade.max_score,
                             "passed": grade.passed, "graded": grade.graded,
                             "hidden": tests[(grade.notebook, grade.grade_id)]})
    return pd.DataFrame(rows, columns=CELL_COLUMNS)


def format_table(summary: GradingSummary) -> str:
    """The grades as a plain-text table (`flags`: how many), then a line per note and per flag."""
    table = grades_table(summary)
    counts = [len(flag_lines(r.flags)) for r in summary.results]
    shown = table.drop(columns=["notes", "flags"]).assign(flags=counts).to_string(index=False)
    notes = [f"  {r.student}: {note}" for r in summary.results for note in r.notes]
    flags = [f"  {r.student}: {line}" for r in summary.results for line in flag_lines(r.flags)]
    text = shown
    if notes or flags:
        text += "\n\nNotes:\n" + ("\n".join(notes) if notes else "  none")
    if flags:
        text += "\n\nFlags for review (a flag never changes a score):\n" + "\n".join(flags)
    return text


def _markdown(course: Course, table: pd.DataFrame, summary: GradingSummary) -> str:
    notes = [f"- **{r.student}**: {note}" for r in summary.results for note in r.notes]
    flags = [f"- **{r.student}**: {line}" for r in summary.results for line in flag_lines(r.flags)]
    return "\n".join([
        f"# Coding screen grades: {course.assignment}", "",
        "```\n" + table.drop(columns=["notes", "flags"]).to_string(index=False) + "\n```", "",
        *(f"![{title}]({name}.png)" for name, title in FIGURES.items()), "",
        "## Notes", "", *(notes or ["- none"]), "",
        "## Flags for review (they never change a score)", "", *(flags or ["- none"]), "",
        "`total` and `max` are autograded points. The written answer of `debug_classifier` "
        "(`explain_bugs`) is graded by hand in nbgrader's formgrader: the `written` column says "
        "`pending` until then. `report.html` shows flagged answers side by side.",
    ]) + "\n"


def write_report(course: Course, summary: GradingSummary, *, cells: pd.DataFrame | None = None) -> Path:
    """Write the CSV files, the figures (PNG) and report.md / report.html; return the HTML path.
    `cells` (one row per candidate and test cell) is read from the gradebook unless given."""
    out = course.reports
    out.mkdir(parents=True, exist_ok=True)
    tables = {"grades": grades_table(summary), "answers": answers_table(summary),
              "cells": cells_table(course, summary) if cells is None else cells}
    for name in TABLES:
        write_atomic(out / f"{name}.csv", tables[name].to_csv(index=False))
    figures = report_figures(out)  # drawn from the files just written, as the notebook draws them
    for name, png in figures.items():
        (out / f"{name}.png").write_bytes(png)
    write_atomic(out / "report.md", _markdown(course, tables["grades"], summary))
    report = out / "report.html"
    write_atomic(report, report_page(course.assignment, summary, load_tables(out), figures))
    return report
