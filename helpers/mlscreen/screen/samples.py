"""The bank of sample submissions (YAML data under `samples/`), turned into real nbgrader submissions.

A sample is one candidate's answers to one notebook, plus the edits an adversarial candidate
makes to the notebook itself, plus the outcome it must get per answer name (see
`samples/README.md`). The integration tests grade the whole bank with the real nbgrader; the
demo's cohort is drawn from it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from ..course.cells import cell_index, is_test_cell
from ..course.layout import NOTEBOOKS, Course

OUTCOMES = ("full", "zero", "lost", "partial")
TAMPERS = (
    "delete_test_cells", "strip_test_metadata", "edit_test_cells", "raise_points",
    "broken_json", "missing_notebook",
)


@dataclass(frozen=True)
class Sample:
    """One sample submission of one notebook, and the outcome it must get."""

    id: str
    notebook: str
    description: str
    kind: str
    answers: dict[str, str]
    expect: dict[str, str]
    extra_cells: tuple[dict, ...] = ()
    explanation: str | None = None
    tamper: tuple[str, ...] = ()
    status: str = "graded"
    path: Path | None = field(default=None, compare=False)

    @property
    def student_id(self) -> str:
        return f"{self.notebook}--{self.id}"


def _load_one(path: Path) -> Sample:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    notebook = path.parent.name
    where = f"{path}"
    if notebook not in NOTEBOOKS:
        raise ValueError(f"{where}: folder must be one of {NOTEBOOKS}")
    for outcome in (raw.get("expect") or {}).values():
        if outcome not in OUTCOMES:
            raise ValueError(f"{where}: unknown outcome {outcome!r} (use {OUTCOMES})")
    for tamper in raw.get("tamper") or ():
        if tamper not in TAMPERS:
            raise ValueError(f"{where}: unknown tamper {tamper!r} (use {TAMPERS})")
    if raw.get("status", "graded") not in ("graded", "failed"):
        raise ValueError(f"{where}: status is graded or failed")
    return Sample(
        id=path.stem,
        notebook=notebook,
        description=str(raw.get("description", "")).strip(),
        kind=str(raw.get("kind", "")),
        answers={str(k): str(v) for k, v in (raw.get("answers") or {}).items()},
        expect={str(k): str(v) for k, v in (raw.get("expect") or {}).items()},
        extra_cells=tuple(raw.get("extra_cells") or ()),
        explanation=raw.get("explanation"),
        tamper=tuple(raw.get("tamper") or ()),
        status=raw.get("status", "graded"),
        path=path,
    )


def load_samples(folder: Path) -> list[Sample]:
    """Every sample under `folder/<notebook>/*.yaml`, sorted by notebook and id."""
    samples = [_load_one(path) for name in NOTEBOOKS for path in sorted((folder / name).glob("*.yaml"))]
    if not samples:
        raise FileNotFoundError(f"no samples under {folder}")
    return samples


def _cell_index(nb: nbformat.NotebookNode, grade_id: str, where: str) -> int:
    try:
        return cell_index(nb, grade_id)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def _apply_tamper(nb: nbformat.NotebookNode, tamper: str) -> None:
    if tamper == "delete_test_cells":
        nb.cells = [cell for cell in nb.cells if not is_test_cell(cell)]
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        if tamper == "edit_test_cells":
            cell.source = "pass"
        elif tamper == "strip_test_metadata":
            cell.metadata.pop("nbgrader", None)
            cell.source = "pass"
        elif tamper == "raise_points":
            cell.metadata["nbgrader"]["points"] = 100


def submission_notebook(release_notebook: Path, sample: Sample) -> nbformat.NotebookNode:
    """The release notebook with the sample's answers, added cells and notebook edits applied."""
    nb = nbformat.read(release_notebook, as_version=4)
    where = str(sample.path or sample.id)
    for name, code in sample.answers.items():
        nb.cells[_cell_index(nb, name, where)].source = code.rstrip("\n")
    if sample.explanation is not None:
        nb.cells[_cell_index(nb, "explain_bugs", where)].source = sample.explanation.rstrip("\n")
    for extra in sample.extra_cells:
        at = _cell_index(nb, str(extra["after"]), where) + 1
        nb.cells.insert(at, nbformat.v4.new_code_cell(str(extra["source"]).rstrip("\n")))
    for tamper in sample.tamper:
        _apply_tamper(nb, tamper)
    return nb


def write_submission(course: Course, student: str, samples: list[Sample]) -> Path:
    """Write `submitted/<student>/<assignment>/` from one sample per notebook (others missing)."""
    folder = course.submitted(student)
    folder.mkdir(parents=True, exist_ok=True)
    for sample in samples:
        target = course.notebook(folder, sample.notebook)
        if "missing_notebook" in sample.tamper:
            target.unlink(missing_ok=True)
            continue
        nb = submission_notebook(course.notebook(course.release, sample.notebook), sample)
        text = nbformat.writes(nb)
        if "broken_json" in sample.tamper:
            text = text[: len(text) // 2]
        target.write_text(text, encoding="utf-8")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
    return folder


def outcome_holds(outcome: str, score: float, max_score: float) -> bool:
    """Whether a score out of `max_score` is what the declared outcome says."""
    return {
        "full": score >= max_score - 1e-9,
        "zero": score <= 1e-9,
        "lost": score < max_score - 1e-9,
        "partial": 1e-9 < score < max_score - 1e-9,
    }[outcome]


def cohort(samples: list[Sample], path: Path) -> dict[str, list[Sample]]:
    """The demo cohort: candidate id -> one sample per notebook, as listed in `cohort.yaml`."""
    by_key = {(s.notebook, s.id): s for s in samples}
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    result = {}
    for candidate, picks in (spec.get("candidates") or {}).items():
        try:
            result[str(candidate)] = [by_key[(notebook, sample_id)] for notebook, sample_id in picks.items()]
        except KeyError as missing:
            raise ValueError(f"{path}: candidate {candidate!r} names an unknown sample {missing}") from None
    return result


def describe(sample: Sample) -> str:
    """A one-line JSON summary (for logs and test ids)."""
    return json.dumps({"id": sample.student_id, "kind": sample.kind, "expect": sample.expect})
