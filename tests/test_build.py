"""`mlscreen build`: the release holds the three notebooks and their data, and nothing secret."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from mlscreen import NOTEBOOKS
from mlscreen.cli import main
from mlscreen.screen.build import build_source_notebooks
from mlscreen.screen.leakcheck import SECRET_MARKERS, allowed_release_files, find_leaks
from mlscreen.screen.proof import _prove_notebook

pytestmark = pytest.mark.integration


def test_release_holds_exactly_the_notebooks_and_their_data(built_course):
    present = {str(p.relative_to(built_course.release)) for p in built_course.release.rglob("*") if p.is_file()}
    assert present == allowed_release_files()
    assert find_leaks(built_course) == []


def test_release_notebooks_carry_stubs_and_visible_tests_only(built_course):
    for name in NOTEBOOKS:
        text = (built_course.release / f"{name}.ipynb").read_text()
        assert not [m for m in SECRET_MARKERS if m in text]
        nb = nbformat.read(built_course.release / f"{name}.ipynb", as_version=4)
        answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
        assert answers and all("raise NotImplementedError()" in c.source for c in answers)
        assert all("# YOUR CODE HERE" in c.source for c in answers)
        hidden = [c for c in nb.cells if c.source.startswith("# Hidden test")]
        assert hidden and all("_hidden_" not in c.source for c in hidden)


def _copy_release(course, tmp_path):
    clone = type(course)(tmp_path / "clone")
    shutil.copytree(course.root / "source", clone.root / "source")
    shutil.copytree(course.root / "release", clone.root / "release")
    return clone


def test_leak_check_catches_a_planted_solution(built_course, tmp_path):
    clone = _copy_release(built_course, tmp_path)
    release_nb = clone.release / "data_cleaning.ipynb"
    source_nb = nbformat.read(clone.source / "data_cleaning.ipynb", as_version=4)
    solution = next(c for c in source_nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "load_data")
    planted = solution.source.replace("### BEGIN SOLUTION\n", "").replace("### END SOLUTION", "")
    nb = nbformat.read(release_nb, as_version=4)
    stub = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "load_data")
    stub.source = planted
    nbformat.write(nb, release_nb)
    leaks = find_leaks(clone)
    assert any("data_cleaning.ipynb: contains a solution or hidden-test line" in leak for leak in leaks), leaks


def test_leak_check_catches_hidden_tests_markers_and_stray_files(built_course, tmp_path):
    clone = _copy_release(built_course, tmp_path)
    source_nb = nbformat.read(clone.source / "debug_classifier.ipynb", as_version=4)
    nb = nbformat.read(clone.release / "debug_classifier.ipynb", as_version=4)
    for cell, original in zip(nb.cells, source_nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "run_experiment__wiring":
            cell.source = original.source
    nbformat.write(nb, clone.release / "debug_classifier.ipynb")
    (clone.release / "gradebook.db").write_text("secret")
    leaks = find_leaks(clone)
    assert any("BEGIN HIDDEN TESTS" in leak for leak in leaks), leaks
    assert any("unexpected file in the release: gradebook.db" in leak for leak in leaks), leaks


def test_committed_source_notebooks_match_their_text(course_copy):
    """The committed .ipynb files are exactly what the authoring text builds."""
    assert build_source_notebooks(course_copy) == []


def test_proof_catches_a_test_that_a_stub_passes(built_course, tmp_path):
    folder = tmp_path / "source"
    shutil.copytree(built_course.source, folder)
    path = folder / "data_cleaning.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "missing_report__every_column")
    cell.source = "assert True  # a test that cannot fail"
    nbformat.write(nb, path)
    problems = _prove_notebook(str(folder), "data_cleaning", str(built_course.root))
    assert problems == ["data_cleaning: the untouched stub passes test missing_report__every_column"]


def test_the_proof_scores_checked_tests_by_the_checker(built_course, tmp_path):
    """A hidden test edited to skip the checker's cases fails even for the solution: the build
    proves through the same checker and verdicts as grading."""
    folder = tmp_path / "source"
    shutil.copytree(built_course.source, folder)
    path = folder / "data_cleaning.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "load_data__markers")
    cell.source = "assert True  # asks the checker for nothing"
    nbformat.write(nb, path)
    problems = _prove_notebook(str(folder), "data_cleaning", str(built_course.root))
    assert problems == ["data_cleaning: the solution fails test load_data__markers"]


def test_mlscreen_build_refuses_to_finish_when_a_grading_file_would_reach_the_release(course_copy, capsys):
    # a file left beside the source notebooks is copied into the release by nbgrader
    (course_copy.source / "answers_for_graders.txt").write_text("impute_median: fill with the median\n")
    assert main(["--root", str(course_copy.root), "build", "--no-validate"]) == 2
    err = capsys.readouterr().err
    assert "the release leaks secrets; do not hand it out" in err
    assert "unexpected file in the release: answers_for_graders.txt" in err


def test_mlscreen_build_refuses_to_finish_on_a_solution_that_fails_a_test(course_copy, capsys):
    text = course_copy.authoring / "data_cleaning.py"
    source = text.read_text()
    right = "    return df.isna().mean() * 100.0\n"
    assert source.count(right) == 1
    text.write_text(source.replace(right, "    return df.isna().mean()  # a fraction, not a percentage\n"))
    assert main(["--root", str(course_copy.root), "build"]) == 2
    err = capsys.readouterr().err
    assert "the source notebooks are not sound" in err
    assert "data_cleaning: the solution fails test missing_report__values" in err
    assert "missing_report__visible" in err and "every_column" not in err, "exactly the failing tests"
    assert not course_copy.release.exists(), "nothing is released from an unsound source"
