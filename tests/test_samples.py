"""The sample bank as data: every sample loads, names real cells, and becomes the notebook it says."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from mlscreen import NOTEBOOKS
from mlscreen.screen.samples import (
    OUTCOMES,
    cohort,
    load_samples,
    outcome_holds,
    submission_notebook,
)

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source" / "coding"


def _answer_names(notebook: str) -> set[str]:
    nb = nbformat.read(SOURCE / f"{notebook}.ipynb", as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"] for c in nb.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }


def test_every_notebook_has_correct_buggy_and_adversarial_samples():
    samples = load_samples(REPO / "samples")
    for notebook in NOTEBOOKS:
        kinds = [s.kind for s in samples if s.notebook == notebook]
        assert kinds.count("correct") >= 3, notebook
        for kind in ("buggy", "hardcoded", "empty", "adversarial"):
            assert kind in kinds, (notebook, kind)


def test_every_sample_declares_an_outcome_for_every_answer_name():
    for sample in load_samples(REPO / "samples"):
        assert set(sample.expect) == _answer_names(sample.notebook), sample.path
        assert set(sample.answers) <= _answer_names(sample.notebook), sample.path
        assert set(sample.expect.values()) <= set(OUTCOMES)


def test_the_demo_cohort_names_existing_samples():
    candidates = cohort(load_samples(REPO / "samples"), REPO / "samples" / "cohort.yaml")
    assert len(candidates) >= 5
    assert all(sorted(s.notebook for s in picks) == sorted(NOTEBOOKS) for picks in candidates.values())


def _write(folder: Path, text: str) -> Path:
    (folder / "data_cleaning").mkdir(parents=True, exist_ok=True)
    path = folder / "data_cleaning" / "s.yaml"
    path.write_text(text)
    return path


def test_a_bad_sample_is_refused_with_its_file_named(tmp_path):
    path = _write(tmp_path, "expect: {load_data: great}\n")
    with pytest.raises(ValueError, match=f"{path}: unknown outcome 'great'"):
        load_samples(tmp_path)
    _write(tmp_path, "tamper: [set_fire]\n")
    with pytest.raises(ValueError, match="unknown tamper 'set_fire'"):
        load_samples(tmp_path)


def test_answers_extra_cells_and_tampering_reach_the_notebook(tmp_path):
    _write(tmp_path, """
answers:
  load_data: "def load_data(path):\\n    return 1"
extra_cells:
  - after: load_data
    source: "import builtins"
tamper: [raise_points]
""")
    sample = load_samples(tmp_path)[0]
    nb = submission_notebook(SOURCE / "data_cleaning.ipynb", sample)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    at = ids.index("load_data")
    assert nb.cells[at].source == "def load_data(path):\n    return 1"
    assert nb.cells[at + 1].source == "import builtins" and ids[at + 1] is None
    points = [c.metadata["nbgrader"]["points"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert points and all(p == 100 for p in points)


@pytest.mark.parametrize(
    "outcome, score, max_score, holds",
    [("full", 4, 4, True), ("full", 3, 4, False), ("zero", 0, 4, True), ("zero", 1, 4, False),
     ("lost", 3, 4, True), ("lost", 0, 4, True), ("lost", 4, 4, False),
     ("partial", 2, 4, True), ("partial", 0, 4, False), ("partial", 4, 4, False)],
)
def test_outcomes(outcome, score, max_score, holds):
    assert outcome_holds(outcome, score, max_score) is holds
