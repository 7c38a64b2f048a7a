"""The bank of sample submissions (YAML data under `samples/`), turned into real nbgrader submissions.

A sample is one candidate's answers to one notebook, plus the edits an adversarial candidate
makes to the notebook itself, plus the outcome it must get: which test cells of each answer
name pass and which fail (see `samples/README.md`). An adversarial sample also has an honest
twin, the same answers without the attack, which must get exactly the same outcome. The integration tests grade the whole bank with the real nbgrader; the
demo's cohort is drawn from it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
import yaml

from ..course.cells import cell_index, grade_id, is_answer_cell, is_test_cell, test_cells
from ..course.gradebook import answer_name
from ..course.layout import NOTEBOOKS, Course

KINDS = ("correct", "buggy", "hardcoded", "empty", "adversarial")
STATUSES = ("graded", "incomplete", "failed")
TAMPERS = (
    "delete_test_cells", "strip_test_metadata", "edit_test_cells", "raise_points",
    "broken_json", "missing_notebook",
)
_UNREADABLE = ("broken_json", "missing_notebook")  # the notebook never reaches nbgrader
_TWIN_WITHOUT = ("extra_cells", "tamper")
_KEYS = {"description", "kind", "answers", "extra_cells", "explanation", "tamper", "expect", "status",
         "notes", "twin"}

TestCells = dict[str, dict[str, tuple[str, ...]]]
"""notebook -> answer name -> grade ids of the test cells that grade it, in notebook order."""


@dataclass(frozen=True)
class Sample:
    """One sample submission of one notebook, and the outcome it must get, test cell by test cell."""

    id: str
    notebook: str
    description: str
    kind: str
    answers: dict[str, str]
    expect: dict[str, dict[str, bool]]  # answer name -> grade id of each of its test cells -> passes
    extra_cells: tuple[dict, ...] = ()
    explanation: str | None = None
    tamper: tuple[str, ...] = ()
    status: str = "graded"  # graded | incomplete (notebook missing or unreadable) | failed
    notes: tuple[str, ...] = ()  # what the grading summary says about this notebook (substrings)
    twin: Sample | None = field(default=None, compare=False, repr=False)
    path: Path | None = field(default=None, compare=False)

    @property
    def student_id(self) -> str:
        return f"{self.notebook}--{self.id}"

    @property
    def cells(self) -> dict[str, bool]:
        """Every test cell of the notebook -> whether it must pass ({} if it is never graded)."""
        return {gid: passes for outcome in self.expect.values() for gid, passes in outcome.items()}

    def outcome(self) -> dict[str, object]:
        """The declared outcome in its short form (`full`, `zero`, `{fail: [...]}`), per answer name."""
        return {name: _short(name, cells) for name, cells in self.expect.items()}


def _short(name: str, cells: dict[str, bool]) -> object:
    if all(cells.values()):
        return "full"
    if not any(cells.values()):
        return "zero"
    aliases = {gid: gid.removeprefix(f"{name}__") for gid in cells}
    passing = [aliases[gid] for gid, ok in cells.items() if ok]
    failing = [aliases[gid] for gid, ok in cells.items() if not ok]
    return {"fail": failing} if len(failing) <= len(passing) else {"pass": passing}


def answer_test_cells(course: Course) -> TestCells:
    """Per notebook, the answer names and the grade ids of their test cells (from `source/`)."""
    result: TestCells = {}
    for name in NOTEBOOKS:
        nb = nbformat.read(course.notebook(course.source, name), as_version=4)
        by_answer: dict[str, list[str]] = {
            grade_id(cell): [] for cell in nb.cells if is_answer_cell(cell) and grade_id(cell)
        }
        for test in test_cells(nb):
            by_answer.setdefault(answer_name(test), []).append(test)
        result[name] = {answer: tuple(ids) for answer, ids in by_answer.items()}
    return result


def _resolve(where: str, answer: str, outcome: object, cells: tuple[str, ...]) -> dict[str, bool]:
    """`full`, `zero`, `{fail: [cells]}` (every other cell passes) or `{pass: [cells]}`."""
    if outcome == "full":
        return dict.fromkeys(cells, True)
    if outcome == "zero":
        return dict.fromkeys(cells, False)
    if not (isinstance(outcome, dict) and len(outcome) == 1 and set(outcome) <= {"pass", "fail"}):
        raise ValueError(f"{where}: {answer}: the outcome is full, zero, {{fail: [cells]}} or "
                         f"{{pass: [cells]}}, not {outcome!r}")
    (verb, listed), = outcome.items()
    if not isinstance(listed, list) or not listed:
        raise ValueError(f"{where}: {answer}: {verb} takes a list of its test cells")
    aliases = {gid.removeprefix(f"{answer}__"): gid for gid in cells} | {gid: gid for gid in cells}
    chosen = []
    for alias in listed:
        if alias not in aliases:
            raise ValueError(f"{where}: {answer} has no test cell {alias!r} "
                             f"(its cells: {', '.join(a for a in aliases if a not in cells)})")
        if aliases[alias] in chosen:
            raise ValueError(f"{where}: {answer}: test cell {alias!r} is listed twice")
        chosen.append(aliases[alias])
    return {gid: (gid in chosen) == (verb == "pass") for gid in cells}


def _load_one(path: Path, cells: TestCells) -> tuple[Sample, object]:
    """The sample in `path`, and its `twin:` entry (resolved once the whole bank is loaded)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    notebook = path.parent.name
    where = f"{path}"
    if notebook not in NOTEBOOKS:
        raise ValueError(f"{where}: folder must be one of {NOTEBOOKS}")
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: a sample is a mapping of {sorted(_KEYS)}")
    if set(raw) - _KEYS:
        raise ValueError(f"{where}: unknown keys {sorted(set(raw) - _KEYS)} (use {sorted(_KEYS)})")
    answers = cells[notebook]
    kind = str(raw.get("kind", ""))
    if kind not in KINDS:
        raise ValueError(f"{where}: kind is one of {KINDS}, not {kind!r}")
    for tamper in raw.get("tamper") or ():
        if tamper not in TAMPERS:
            raise ValueError(f"{where}: unknown tamper {tamper!r} (use {TAMPERS})")
    for name in raw.get("answers") or {}:
        if name not in answers:
            raise ValueError(f"{where}: {notebook} has no answer {name!r} (its answers: {', '.join(answers)})")
    status = raw.get("status", "graded")
    if status not in STATUSES:
        raise ValueError(f"{where}: status is one of {STATUSES}, not {status!r}")
    unreadable = bool(set(raw.get("tamper") or ()) & set(_UNREADABLE))
    if unreadable != (status == "incomplete"):
        raise ValueError(f"{where}: status incomplete goes with a broken_json or missing_notebook tamper")
    notes = tuple(str(n) for n in raw.get("notes") or ())
    if status == "failed" and not notes:
        raise ValueError(f"{where}: a failed sample names its reason in notes")
    declared = raw.get("expect")
    if status != "graded":
        if declared is not None:
            raise ValueError(f"{where}: a {status} notebook is never graded: it declares no expect")
        expect: dict[str, dict[str, bool]] = {}
    else:
        if not isinstance(declared, dict):
            raise ValueError(f"{where}: expect gives the outcome of every answer: {', '.join(answers)}")
        unknown = [name for name in declared if name not in answers]
        missing = [name for name in answers if name not in declared]
        if unknown:
            raise ValueError(f"{where}: expect names an unknown answer {unknown[0]!r} "
                             f"(its answers: {', '.join(answers)})")
        if missing:
            raise ValueError(f"{where}: expect has no outcome for {', '.join(missing)}")
        expect = {name: _resolve(where, name, declared[name], answers[name]) for name in answers}
    sample = Sample(
        id=path.stem,
        notebook=notebook,
        description=str(raw.get("description", "")).strip(),
        kind=kind,
        answers={str(k): str(v) for k, v in (raw.get("answers") or {}).items()},
        expect=expect,
        extra_cells=tuple(raw.get("extra_cells") or ()),
        explanation=raw.get("explanation"),
        tamper=tuple(raw.get("tamper") or ()),
        status=status,
        notes=notes,
        path=path,
    )
    return sample, raw.get("twin")


def _with_twin(sample: Sample, spec: object, bank: dict[tuple[str, str], Sample], cells: TestCells) -> Sample:
    """The sample with its honest twin: a sample of the bank, or this one with the attack removed."""
    where = str(sample.path)
    if spec is None:
        if sample.kind == "adversarial" and sample.status == "graded":
            raise ValueError(f"{where}: an adversarial sample names its honest twin (twin: <sample> or "
                             "twin: {without: [...], stubs: [...], answers: {...}})")
        return sample
    if sample.kind != "adversarial" or sample.status != "graded":
        raise ValueError(f"{where}: only a graded adversarial sample has a twin")
    if isinstance(spec, str):
        twin = bank.get((sample.notebook, spec))
        if twin is None or twin is sample or twin.status != "graded" or twin.kind == "adversarial":
            raise ValueError(f"{where}: twin {spec!r} is not an honest graded sample of {sample.notebook}")
        if twin.expect != sample.expect:
            raise ValueError(f"{where}: declares {sample.outcome()}, but its twin {spec} declares {twin.outcome()}")
    elif isinstance(spec, dict) and set(spec) <= {"without", "stubs", "answers"}:
        without = list(spec.get("without") or ())
        stubs = list(spec.get("stubs") or ())
        replaced = {str(k): str(v) for k, v in (spec.get("answers") or {}).items()}
        if set(without) - set(_TWIN_WITHOUT):
            raise ValueError(f"{where}: a twin is made without any of {_TWIN_WITHOUT}, not {without}")
        for name in [*stubs, *replaced]:
            if name not in cells[sample.notebook]:
                raise ValueError(f"{where}: twin: {sample.notebook} has no answer {name!r}")
        answers = {k: v for k, v in sample.answers.items() if k not in stubs} | replaced
        twin = replace(
            sample, id=f"{sample.id}--twin", kind="twin", answers=answers, notes=(),
            description=f"the honest twin of {sample.id}: the same answers without the attack",
            extra_cells=() if "extra_cells" in without else sample.extra_cells,
            tamper=() if "tamper" in without else sample.tamper,
        )
        if (twin.answers, twin.extra_cells, twin.tamper) == (sample.answers, sample.extra_cells, sample.tamper):
            raise ValueError(f"{where}: the twin is the sample itself: say what the attack is")
    else:
        raise ValueError(f"{where}: twin is a sample id or {{without: [...], stubs: [...], answers: {{...}}}}")
    return replace(sample, twin=twin)


def load_samples(folder: Path, cells: TestCells | None = None) -> list[Sample]:
    """Every sample under `folder/<notebook>/*.yaml`, sorted by notebook and id, with its twin.

    `cells` (answer names and their test cells) defaults to the source notebooks of the course
    that `folder` belongs to.
    """
    cells = cells if cells is not None else answer_test_cells(Course(folder.resolve().parent))
    paths = [path for name in NOTEBOOKS for path in sorted((folder / name).glob("*.yaml"))]
    if not paths:
        raise FileNotFoundError(f"no samples under {folder}")
    loaded = [_load_one(path, cells) for path in paths]
    bank = {(sample.notebook, sample.id): sample for sample, _ in loaded}
    return [_with_twin(sample, twin, bank, cells) for sample, twin in loaded]


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
    return json.dumps({"id": sample.student_id, "kind": sample.kind, "status": sample.status,
                       "expect": sample.outcome()})
