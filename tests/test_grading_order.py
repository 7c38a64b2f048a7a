"""The order a batch is handed to the workers, the longest (by their last grading) first, and the
estimates it and the ETA use."""

from __future__ import annotations

import datetime as dt

import nbformat
import pytest

from mlscreen.course import Course
from mlscreen.grading.order import (
    WORKER_SECONDS_PER_NOTEBOOK,
    cell_seconds,
    expected_seconds,
    longest_first,
    previous_seconds,
)

START = dt.datetime(2026, 1, 5, 9, 0, 0, tzinfo=dt.timezone.utc)


def _executed(seconds: list[float]) -> nbformat.NotebookNode:
    """A notebook whose code cells ran for `seconds`, timed the way nbclient writes it."""
    nb = nbformat.v4.new_notebook()
    at = START
    for length in seconds:
        cell = nbformat.v4.new_code_cell("pass")
        end = at + dt.timedelta(seconds=length)
        cell.metadata["execution"] = {"iopub.execute_input": at.isoformat().replace("+00:00", "Z"),
                                      "shell.execute_reply": end.isoformat().replace("+00:00", "Z")}
        nb.cells.append(cell)
        at = end + dt.timedelta(seconds=3)  # time between cells is not the cells' own
    nb.cells.append(nbformat.v4.new_code_cell("never run"))  # no timing: counts nothing
    return nb


def _graded(course: Course, student: str, *notebooks: list[float]) -> None:
    folder = course.autograded(student)
    folder.mkdir(parents=True)
    for index, seconds in enumerate(notebooks):
        nbformat.write(_executed(seconds), folder / f"nb{index}.ipynb")


def test_cell_seconds_add_up_each_cells_own_time(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(_executed([1.5, 0.25, 12.0]), path)
    assert cell_seconds(path) == pytest.approx(13.75)


def test_the_longest_go_first_and_the_never_graded_count_as_the_median(tmp_path):
    course = Course(tmp_path)
    _graded(course, "quick", [0.5], [0.5])
    _graded(course, "typical", [2.0], [1.0])
    _graded(course, "looping", [25.0, 10.0], [1.0])
    _graded(course, "slow", [4.0], [2.5])
    (course.autograded("broken")).mkdir(parents=True)
    (course.autograded("broken") / "nb0.ipynb").write_text("{ not json", encoding="utf-8")
    assert previous_seconds(course, "looping") == pytest.approx(36.0 + 2 * WORKER_SECONDS_PER_NOTEBOOK)
    odd = _executed([1.0])
    odd.cells[0].metadata["execution"]["iopub.execute_input"] = "2026-01-05T09:00:00"  # no time zone
    course.autograded("odd").mkdir(parents=True)
    nbformat.write(odd, course.autograded("odd") / "nb0.ipynb")
    assert previous_seconds(course, "new") is None and previous_seconds(course, "broken") is None
    assert previous_seconds(course, "odd") is None
    students = ["quick", "new", "typical", "looping", "broken", "slow"]
    expected = expected_seconds(course, students)
    median = (3.0 + 6.5) / 2 + 2 * WORKER_SECONDS_PER_NOTEBOOK  # of 1, 3, 6.5 and 36 s of cells
    assert expected["new"] == expected["broken"] == pytest.approx(median)
    # the never graded two sit between slow and typical, in the order given
    assert longest_first(students, expected) == ["looping", "slow", "new", "broken", "typical", "quick"]


def test_with_nothing_graded_there_is_no_estimate_and_the_order_is_kept(tmp_path):
    course = Course(tmp_path)
    assert expected_seconds(course, ["c", "a", "b"]) is None
    assert longest_first(["c", "a", "b"], None) == ["c", "a", "b"]


def test_the_demo_batch_leaves_times_the_next_grading_orders_by(built_course):
    students = [s for s in built_course.submitted_students() if built_course.autograded(s).is_dir()]
    assert len(students) >= 3
    times = {s: previous_seconds(built_course, s) for s in students}
    assert all(t is not None and t > 0 for t in times.values()), times
    order = longest_first(sorted(students), expected_seconds(built_course, students))
    assert [times[s] for s in order] == sorted(times.values(), reverse=True)
