"""The sample bank as data: every sample loads, names real cells, and becomes the notebook it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlscreen import NOTEBOOKS, Course
from mlscreen.screen.samples import (
    answer_test_cells,
    cohort,
    describe,
    load_samples,
    submission_notebook,
)

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source" / "coding"
CELLS = answer_test_cells(Course(REPO))


def test_the_test_cells_are_read_from_the_source_notebooks():
    assert CELLS["data_cleaning"]["impute_median"] == (
        "impute_median__visible", "impute_median__values", "impute_median__untouched_columns",
        "impute_median__input_unchanged")
    assert set(CELLS["debug_classifier"]) == {"split_data", "build_pipeline", "evaluate", "run_experiment"}
    assert all(ids for answers in CELLS.values() for ids in answers.values()), "every answer has tests"


def test_every_notebook_has_correct_buggy_and_adversarial_samples():
    samples = load_samples(REPO / "samples")
    for notebook in NOTEBOOKS:
        kinds = [s.kind for s in samples if s.notebook == notebook]
        assert kinds.count("correct") >= 3, notebook
        for kind in ("buggy", "hardcoded", "empty", "adversarial"):
            assert kind in kinds, (notebook, kind)


def test_every_graded_sample_declares_every_test_cell_of_its_notebook():
    for sample in load_samples(REPO / "samples"):
        if sample.status != "graded":
            assert sample.expect == {}, sample.path
            continue
        assert set(sample.expect) == set(CELLS[sample.notebook]), sample.path
        for name, cells in sample.expect.items():
            assert tuple(cells) == CELLS[sample.notebook][name], sample.path


def test_a_buggy_sample_loses_cells_of_one_answer_only():
    """A realistic bug in one name costs cells of that name, and no other name loses a point."""
    for sample in load_samples(REPO / "samples"):
        if sample.kind == "buggy":
            losing = [name for name, cells in sample.expect.items() if not all(cells.values())]
            assert len(losing) == 1, (sample.path, losing)
        if sample.kind == "correct":
            assert all(all(cells.values()) for cells in sample.expect.values()), sample.path


def test_every_adversarial_sample_is_graded_beside_an_honest_twin_with_its_outcome():
    samples = load_samples(REPO / "samples")
    for sample in samples:
        if sample.kind != "adversarial" or sample.status != "graded":
            assert sample.twin is None, sample.path
            continue
        twin = sample.twin
        assert twin is not None and twin.kind != "adversarial" and twin.expect == sample.expect, sample.path
        assert twin.extra_cells == () or twin.extra_cells == sample.extra_cells
        if twin.kind == "twin":  # generated: the attack is what was taken out
            assert (twin.answers, twin.extra_cells, twin.tamper) != (
                sample.answers, sample.extra_cells, sample.tamper), sample.path
        else:
            assert twin in samples


def test_the_demo_cohort_names_existing_samples():
    candidates = cohort(load_samples(REPO / "samples"), REPO / "samples" / "cohort.yaml")
    assert len(candidates) >= 5
    assert all(sorted(s.notebook for s in picks) == sorted(NOTEBOOKS) for picks in candidates.values())


def _write(folder: Path, text: str, name: str = "s") -> Path:
    (folder / "data_cleaning").mkdir(parents=True, exist_ok=True)
    path = folder / "data_cleaning" / f"{name}.yaml"
    path.write_text(text)
    return path


_FULL = "expect: {load_data: full, missing_report: full, impute_median: full}\n"


def test_outcomes_have_shorthands_and_name_cells_by_alias_or_grade_id(tmp_path):
    _write(tmp_path, """kind: buggy
expect:
  load_data: full
  missing_report: zero
  impute_median: {fail: [values, impute_median__visible]}
""")
    sample = load_samples(tmp_path, CELLS)[0]
    assert sample.expect["load_data"] == dict.fromkeys(CELLS["data_cleaning"]["load_data"], True)
    assert sample.expect["missing_report"] == dict.fromkeys(CELLS["data_cleaning"]["missing_report"], False)
    assert sample.expect["impute_median"] == {
        "impute_median__visible": False, "impute_median__values": False,
        "impute_median__untouched_columns": True, "impute_median__input_unchanged": True}
    _write(tmp_path, "kind: buggy\nexpect: {load_data: {pass: [text]}, missing_report: full, impute_median: full}\n")
    sample = load_samples(tmp_path, CELLS)[0]
    assert [gid for gid, ok in sample.expect["load_data"].items() if ok] == ["load_data__text"]
    assert '"load_data": {"pass": ["text"]}' in describe(sample)


@pytest.mark.parametrize(
    "text, message",
    [
        ("kind: correct\nexpect: {load_data: great, missing_report: full, impute_median: full}\n",
         "load_data: the outcome is full, zero"),
        ("kind: correct\nexpect: {load_data: full, missing_report: full}\n", "no outcome for impute_median"),
        ("kind: correct\nexpect: {load_data: full, missing_report: full, impute_median: full, preprocess: zero}\n",
         "unknown answer 'preprocess'"),
        ("kind: buggy\nexpect: {load_data: {fail: [valuez]}, missing_report: full, impute_median: full}\n",
         r"load_data has no test cell 'valuez' \(its cells: visible, markers, numbers, text\)"),
        ("kind: buggy\nexpect: {load_data: {fail: [missing_report__values]}, missing_report: full, "
         "impute_median: full}\n", "load_data has no test cell 'missing_report__values'"),
        ("kind: buggy\nexpect: {load_data: {fail: [text, load_data__text]}, missing_report: full, "
         "impute_median: full}\n", "listed twice"),
        ("kind: buggy\nexpect: {load_data: {fail: []}, missing_report: full, impute_median: full}\n",
         "takes a list of its test cells"),
        ("kind: buggy\nexpect: {load_data: {fail: [text], pass: [markers]}, missing_report: full, "
         "impute_median: full}\n", "the outcome is full, zero"),
        ("kind: correct\n", "expect gives the outcome of every answer"),
        ("kind: correct\ntamper: [set_fire]\n" + _FULL, "unknown tamper 'set_fire'"),
        ("kind: clever\n" + _FULL, "kind is one of"),
        ("kind: correct\nanswers: {preprocess: x}\n" + _FULL, "data_cleaning has no answer 'preprocess'"),
        ("kind: adversarial\ntamper: [broken_json]\n" + _FULL, "status incomplete goes with"),
        ("kind: adversarial\ntamper: [broken_json]\nstatus: incomplete\n" + _FULL, "declares no expect"),
        ("kind: adversarial\nstatus: failed\n", "names its reason in notes"),
        ("kind: adversarial\n" + _FULL, "names its honest twin"),
        ("kind: adversarial\ntwin: nobody\n" + _FULL, "twin 'nobody' is not an honest graded sample"),
        ("kind: adversarial\ntwin: {stubs: [preprocess]}\n" + _FULL, "twin: data_cleaning has no answer"),
        ("kind: adversarial\ntwin: {without: [tamper]}\n" + _FULL, "the twin is the sample itself"),
        ("kind: correct\ntwin: {without: [tamper]}\n" + _FULL, "only a graded adversarial sample has a twin"),
        ("kind: correct\nexplain: x\n" + _FULL, "unknown keys"),
        ("- kind: correct\n", "a sample is a mapping"),
    ],
)
def test_a_bad_sample_is_refused_with_its_file_and_the_fix_named(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=message) as error:
        load_samples(tmp_path, CELLS)
    assert str(error.value).startswith(f"{path}: ")


def test_a_twin_named_in_the_bank_must_declare_the_same_outcome(tmp_path):
    _write(tmp_path, "kind: empty\nexpect: {load_data: zero, missing_report: zero, impute_median: zero}\n", "stubs")
    _write(tmp_path, "kind: adversarial\ntamper: [edit_test_cells]\ntwin: stubs\n" + _FULL, "tamper")
    with pytest.raises(ValueError, match="but its twin stubs declares"):
        load_samples(tmp_path, CELLS)
    _write(tmp_path, "kind: adversarial\ntamper: [edit_test_cells]\ntwin: stubs\n"
           "expect: {load_data: zero, missing_report: zero, impute_median: zero}\n", "tamper")
    stubs, tamper = load_samples(tmp_path, CELLS)
    assert tamper.twin is stubs and stubs.twin is None


def test_a_generated_twin_is_the_sample_without_its_attack(tmp_path):
    _write(tmp_path, """kind: adversarial
answers: {load_data: "def load_data(path):\\n    while True: pass", missing_report: "def missing_report(df): ..."}
extra_cells: [{after: load_data, source: "import builtins"}]
tamper: [raise_points]
expect: {load_data: zero, missing_report: zero, impute_median: zero}
twin:
  without: [extra_cells, tamper]
  stubs: [load_data]
  answers: {impute_median: "def impute_median(df): ..."}
""")
    twin = load_samples(tmp_path, CELLS)[0].twin
    assert twin.kind == "twin" and twin.student_id == "data_cleaning--s--twin"
    assert twin.answers == {"missing_report": "def missing_report(df): ...", "impute_median": "def impute_median(df): ..."}
    assert twin.extra_cells == () and twin.tamper == () and twin.notes == ()
    assert twin.expect == load_samples(tmp_path, CELLS)[0].expect


def test_answers_extra_cells_and_tampering_reach_the_notebook(tmp_path):
    _write(tmp_path, """kind: adversarial
answers:
  load_data: "def load_data(path):\\n    return 1"
extra_cells:
  - after: load_data
    source: "import builtins"
tamper: [raise_points]
twin: {without: [tamper]}
""" + _FULL)
    sample = load_samples(tmp_path, CELLS)[0]
    nb = submission_notebook(SOURCE / "data_cleaning.ipynb", sample)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    at = ids.index("load_data")
    assert nb.cells[at].source == "def load_data(path):\n    return 1"
    assert nb.cells[at + 1].source == "import builtins" and ids[at + 1] is None
    points = [c.metadata["nbgrader"]["points"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert points and all(p == 100 for p in points)
    honest = submission_notebook(SOURCE / "data_cleaning.ipynb", sample.twin)
    assert honest.cells[at + 1].source == "import builtins", "the twin keeps what is not the attack"
    assert not any(c.metadata.get("nbgrader", {}).get("points") == 100 for c in honest.cells)
