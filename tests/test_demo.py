"""`make demo`'s main path: `mlscreen demo` in a fresh course copy builds the screen, submits the
sample cohort, grades it and writes the report (README: "Two commands"). The demo runs once per
session, in `conftest.demo_run`, and its course is the one the integration tests share."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from mlscreen import NOTEBOOKS

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]


def test_make_demo_runs_mlscreen_demo_from_the_course_root():
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", (REPO / "Makefile").read_text(), re.M)
    assert recipe and recipe[1].split() == ["$(BIN)/mlscreen", "demo"]


def test_mlscreen_demo_grades_the_cohort_and_writes_the_report(demo_run):
    """The session's course was built by `mlscreen demo` (see `conftest.demo_run`)."""
    done, course_copy = demo_run, demo_run.course
    assert done.returncode == 0, done.stderr[-3000:]
    cohort = yaml.safe_load((course_copy.samples / "cohort.yaml").read_text())["candidates"]
    lines = done.stdout.split("\n\nNotes:")[0].strip().splitlines()
    header = lines[-len(cohort) - 1].split()
    printed = {row.split()[0]: dict(zip(header, row.split())) for row in lines[-len(cohort):]}
    assert set(printed) == set(cohort)
    assert printed["ada"]["total"] == printed["ada"]["max"], "ada's answers are all correct"
    assert printed["mallory"]["status"] == "incomplete", "mallory's inference notebook is broken"
    assert all(row["status"] == "graded" for who, row in printed.items() if who != "mallory"), printed
    assert "mallory: inference_pipeline.ipynb is not valid notebook JSON" in done.stdout
    assert f"report: {course_copy.reports / 'report.html'}" in done.stdout
    reports = demo_run.reports  # reports/ as the demo left it
    with (reports / "grades.csv").open(newline="", encoding="utf-8") as handle:
        grades = {row["candidate"]: row for row in csv.DictReader(handle)}
    assert set(grades) == set(cohort)
    for who, row in grades.items():
        for column in (*NOTEBOOKS, "total", "max"):
            assert float(row[column]) == float(printed[who][column]), (who, column)
    with (reports / "answers.csv").open(newline="", encoding="utf-8") as handle:
        assert {row["candidate"] for row in csv.DictReader(handle)} == set(cohort)
    charts = list(reports.glob("*.png"))  # the four figures of the README's "The report"
    assert len(charts) == 4 and all(chart.read_bytes().startswith(b"\x89PNG") for chart in charts)
    assert all(f"<td>{who}</td>" in (reports / "report.html").read_text() for who in cohort)
