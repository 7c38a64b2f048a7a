"""`mlscreen collect`: hand-ins (folders, a zip per candidate, a zip inside a zip, a misnamed
notebook, clutter, broken JSON, resubmissions) laid out as nbgrader's `submitted/`; no grading."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.preprocessors import ClearSolutions
from nbgrader.utils import parse_utc

from mlscreen import NOTEBOOKS, Course
from mlscreen.cli import main
from mlscreen.grading.intake import collect, format_intake


def _released(course: Course) -> dict[str, str]:
    """Each notebook as a candidate gets it (solutions cleared, as nbgrader does)."""
    texts = {}
    for name in NOTEBOOKS:
        nb, _ = ClearSolutions().preprocess(nbformat.read(course.notebook(course.source, name), as_version=4), {})
        texts[name] = nbformat.writes(nb)
    return texts


def _zip(entries: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _folder(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def hand_ins(tmp_path, course_copy):
    nb = _released(course_copy)
    every = {f"{name}.ipynb": nb[name] for name in NOTEBOOKS}
    folder = tmp_path / "hand-ins"
    _folder(folder / "ada", {**every, ".DS_Store": "x", ".ipynb_checkpoints/data_cleaning-checkpoint.ipynb": "{}",
                             "notes.txt": "my notes"})
    (folder / "bob.zip").write_bytes(_zip({**every, "__MACOSX/._data_cleaning.ipynb": "junk"}))
    inner = _zip({f"coding/{k}": v for k, v in every.items()})
    (folder / "carol.zip").write_bytes(_zip({"submission/coding.zip": inner, "submission/Thumbs.db": "x"}))
    _folder(folder / "dan", {"data_cleaning (1).ipynb": nb["data_cleaning"],
                             "Copy of inference_pipeline.ipynb": nb["inference_pipeline"],
                             "my_debugging.ipynb": nb["debug_classifier"],
                             "scratch.ipynb": nbformat.writes(nbformat.v4.new_notebook())})
    _folder(folder / "erin", {**every, "debug_classifier.ipynb": nb["debug_classifier"][:500]})
    _folder(folder / "Frank Smith", every)
    (folder / "mallory.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    (folder / ".DS_Store").write_text("x")
    (folder / "README.txt").write_text("the round's hand-ins")
    return course_copy, folder


def _lines(summary, who):
    return next(r for r in summary.results if r.candidate == who).notes


def _files(course: Course, who: str) -> set[str]:
    return {p.name for p in course.submitted(who).iterdir()}


def test_collect_lays_out_what_is_right_and_reports_the_rest(hand_ins):
    course, folder = hand_ins
    summary = collect(course=course, source=folder)
    status = {r.candidate: r.status for r in summary.results}
    assert status == {"ada": "collected", "bob": "collected", "carol": "collected", "dan": "collected",
                      "erin": "collected", "Frank Smith": "skipped", "mallory": "skipped"}
    assert course.submitted_students() == ["ada", "bob", "carol", "dan", "erin"]
    every = {f"{name}.ipynb" for name in NOTEBOOKS} | {"timestamp.txt"}
    for who in ("ada", "bob", "carol", "erin"):
        assert _files(course, who) == every, who
    assert _files(course, "dan") == every, "misnamed notebooks are recognised by their cells"
    for who in ("ada", "bob", "carol", "dan"):
        for name in NOTEBOOKS:
            nbformat.read(course.notebook(course.submitted(who), name), as_version=4)
    assert parse_utc(course.submitted("ada").joinpath("timestamp.txt").read_text()) is not None

    ada = _lines(summary, "ada")
    assert "other files, not collected: notes.txt" in ada
    assert any(line.startswith("ignored 2 system file(s): ") and ".DS_Store" in line for line in ada), ada
    assert any(".ipynb_checkpoints/data_cleaning-checkpoint.ipynb" in line for line in ada)
    assert len(ada) == 2, ada
    assert _lines(summary, "bob") == ["ignored 1 system file(s): __MACOSX/._data_cleaning.ipynb"]
    carol = _lines(summary, "carol")
    assert "unpacked the archive(s) inside it: submission/coding.zip" in carol
    assert "notebooks found in a nested folder, taken from there: submission/coding/coding/" in carol
    dan = _lines(summary, "dan")
    assert "data_cleaning (1).ipynb taken as data_cleaning.ipynb (recognised by its cells)" in dan
    assert "Copy of inference_pipeline.ipynb taken as inference_pipeline.ipynb (recognised by its cells)" in dan
    assert "my_debugging.ipynb taken as debug_classifier.ipynb (recognised by its cells)" in dan
    assert "not notebooks of the screen, not collected: scratch.ipynb" in dan
    erin = _lines(summary, "erin")
    assert len(erin) == 1 and erin[0].startswith("debug_classifier.ipynb is not valid notebook JSON (")
    assert course.notebook(course.submitted("erin"), "debug_classifier").read_text().startswith("{")
    assert "'Frank Smith' is not a valid candidate id" in _lines(summary, "Frank Smith")[0]
    assert "mallory.zip is not a readable zip file" in _lines(summary, "mallory")[0]
    assert summary.notes == ["README.txt: not a candidate's folder or zip file; left alone",
                             "ignored 1 system file(s): .DS_Store"]
    printed = format_intake(summary)
    assert "  dan: data_cleaning (1).ipynb taken as data_cleaning.ipynb" in printed
    assert not summary.all_collected


def test_a_missing_notebook_and_a_hand_in_with_nothing_of_the_screen(tmp_path, course_copy):
    nb = _released(course_copy)
    _folder(tmp_path / "in" / "gus", {"data_cleaning.ipynb": nb["data_cleaning"]})
    _folder(tmp_path / "in" / "hal", {"homework.py": "print(1)"})
    summary = collect(course=course_copy, source=tmp_path / "in")
    assert _lines(summary, "gus") == ["inference_pipeline.ipynb was not handed in; it will score 0",
                                      "debug_classifier.ipynb was not handed in; it will score 0"]
    assert _files(course_copy, "gus") == {"data_cleaning.ipynb", "timestamp.txt"}
    assert _lines(summary, "hal")[-1] == "no notebook of the screen in it: nothing collected"
    assert not course_copy.submitted("hal").exists()


def _stamp(path: Path, when: float) -> None:
    for file in path.rglob("*"):
        os.utime(file, (when, when))


def test_a_resubmission_keeps_the_earlier_one_and_says_which_is_graded(tmp_path, course_copy):
    nb = _released(course_copy)
    first = {f"{name}.ipynb": nb[name] for name in NOTEBOOKS}
    _folder(tmp_path / "round1" / "ada", first)
    _stamp(tmp_path / "round1", time.time() - 3600)
    assert collect(course=course_copy, source=tmp_path / "round1").results[0].status == "collected"
    again = collect(course=course_copy, source=tmp_path / "round1").results[0]
    assert again.status == "unchanged" and again.graded == "this hand-in, collected before"

    second = dict(first, **{"data_cleaning.ipynb": nb["data_cleaning"].replace("YOUR CODE HERE", "mine")})
    _folder(tmp_path / "round2" / "ada", second)
    later = collect(course=course_copy, source=tmp_path / "round2").results[0]
    assert later.status == "resubmitted" and later.graded.startswith("this hand-in (")
    kept = course_copy.kept_submissions("ada")
    assert len(kept) == 1 and kept[0].name.startswith("coding.earlier-")
    assert "mine" not in (kept[0] / "data_cleaning.ipynb").read_text(), "the earlier one, as it was"
    assert "mine" in course_copy.notebook(course_copy.submitted("ada"), "data_cleaning").read_text()
    assert any(f"is kept as submitted/ada/{kept[0].name}; this one is graded" in n for n in later.notes)
    assert course_copy.submitted_students() == ["ada"], "nbgrader sees one submission"

    replay = collect(course=course_copy, source=tmp_path / "round1").results[0]
    assert replay.status == "unchanged" and replay.graded.startswith("a later one")
    older = dict(first, **{"inference_pipeline.ipynb": nb["inference_pipeline"] + " "})
    _folder(tmp_path / "round0" / "ada", older)
    _stamp(tmp_path / "round0", time.time() - 7200)
    late_old = collect(course=course_copy, source=tmp_path / "round0").results[0]
    assert late_old.status == "older kept" and late_old.graded.startswith("the one collected before (")
    assert len(course_copy.kept_submissions("ada")) == 2
    assert "mine" in course_copy.notebook(course_copy.submitted("ada"), "data_cleaning").read_text()


def test_mlscreen_collect_prints_the_summary_and_exits_1_when_a_hand_in_is_skipped(hand_ins, capsys):
    course, folder = hand_ins
    assert main(["--root", str(course.root), "collect", str(folder)]) == 1
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split() == ["candidate", "status", "notebooks", "handed", "in", "as", "graded"]
    assert "  erin: debug_classifier.ipynb is not valid notebook JSON" in printed
    (folder / "Frank Smith").rename(folder / "frank")
    (folder / "mallory.zip").unlink()
    assert main(["--root", str(course.root), "collect", str(folder)]) == 0
    assert "frank" in course.submitted_students()
