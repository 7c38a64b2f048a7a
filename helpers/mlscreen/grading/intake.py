"""`mlscreen collect PATH`: what candidates handed in, laid out as nbgrader's
`submitted/<candidate>/coding/` with its `timestamp.txt`, and a line for everything that is not.

PATH holds one folder or one zip file per candidate, named after the candidate (as nbgrader's
`zip_collect` takes archives and loose files). Each hand-in is searched for the screen's
notebooks wherever they sit (nested folders, a zip inside the zip); a notebook with another name
is recognised by its nbgrader cells, or else by its name less copy marks ("data_cleaning (1)",
"Copy of ..."). Clutter is ignored and other files are left out, each said per candidate; a
notebook that is not valid JSON goes in as handed in (grading then scores it 0 and keeps it).

A hand-in time is the `timestamp.txt` the hand-in carries, or the time its newest notebook was
saved. A second hand-in never overwrites the first silently: the older of the two is kept beside
as `coding.earlier-<time>` (nbgrader reads only `coding/`), and the summary says which is graded.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.utils import parse_utc

from ..common.ids import ID_RULE, is_valid_id
from ..course.layout import NOTEBOOKS, Course
from ..course.secrets import protect_secrets
from .handin import HandedFile, HandIn, is_junk, read_hand_in

TIMESTAMP = "timestamp.txt"
_COPY_MARKS = re.compile(r"^(?:copy[ _-]of[ _-])+|(?:[ _-]*(?:\(\d+\)|copy\d*|-\d+|\d+))+$", re.I)


@dataclass
class Intake:
    """What `collect` did with one candidate's hand-in."""

    candidate: str
    origin: str  # the folder or zip in PATH
    status: str = "collected"  # collected | resubmitted | older kept | unchanged | skipped
    notebooks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    graded: str = ""  # which hand-in `mlscreen grade` will grade


@dataclass
class IntakeSummary:
    """Every hand-in of one `collect`, and what PATH held that was no hand-in."""

    results: list[Intake]
    notes: list[str] = field(default_factory=list)

    @property
    def all_collected(self) -> bool:
        return all(r.status != "skipped" for r in self.results)


def _notebook_ids(course: Course) -> dict[str, set[str]]:
    """Each screen notebook's nbgrader cell ids (the same in `source/` and `release/`)."""
    ids = {}
    for name in NOTEBOOKS:
        raw = json.loads(course.notebook(course.source, name).read_text(encoding="utf-8"))
        ids[name] = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in raw["cells"]} - {None}
    return ids


def _identify(file: HandedFile, ids: dict[str, set[str]]) -> tuple[str | None, str, str | None]:
    """(screen notebook or None, how it was recognised, why it is unreadable or None)."""
    try:
        raw = json.loads(file.path.read_text(encoding="utf-8"))
        cells = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in raw["cells"]}
        problem = None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as error:
        cells, problem = set(), str(error).splitlines()[0][:100] or type(error).__name__
    if file.relative.stem in NOTEBOOKS:
        return file.relative.stem, "name", problem
    overlap = {name: len(cells & own) for name, own in ids.items()}
    best = max(overlap, key=overlap.get)
    if overlap[best]:
        return best, "its cells", problem
    guess = _COPY_MARKS.sub("", file.relative.stem).strip().lower().replace(" ", "_").replace("-", "_")
    return (guess, "its name", problem) if guess in NOTEBOOKS else (None, "", problem)


def _listed(names: list[str], limit: int = 4) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _choose(hand_in: HandIn, ids: dict[str, set[str]], intake: Intake) -> dict[str, HandedFile]:
    """The file taken for each screen notebook, with a note for everything else."""
    found: dict[str, list[tuple[HandedFile, str, str | None]]] = {}
    others, unknown, nested = [], [], set()
    for file in hand_in.files:
        if file.relative.suffix.lower() != ".ipynb":
            if file.relative.name != TIMESTAMP:
                others.append(str(file.relative))
            continue
        name, how, problem = _identify(file, ids)
        if name is None:
            unknown.append(str(file.relative))
        else:
            found.setdefault(name, []).append((file, how, problem))
    taken = {}
    for name in NOTEBOOKS:
        if name not in found:
            intake.notes.append(f"{name}.ipynb was not handed in; it will score 0")
            continue
        choices = sorted(found[name], key=lambda c: (c[0].modified, c[1] == "name"), reverse=True)
        file, how, problem = choices[0]
        taken[name] = file
        if file.relative.name != f"{name}.ipynb":
            intake.notes.append(f"{file.relative} taken as {name}.ipynb (recognised by {how})")
        elif len(file.relative.parts) > 1:
            nested.add(str(file.relative.parent) + "/")
        if problem:
            intake.notes.append(f"{file.relative} is not valid notebook JSON ({problem}); collected as "
                                "handed in: grading will score it 0 and keep it aside")
        if len(choices) > 1:
            intake.notes.append(f"{len(choices)} notebooks are {name}: took the newest, {file.relative}; "
                                f"left out {_listed([str(c[0].relative) for c in choices[1:]])}")
    if nested:
        intake.notes.append(f"notebooks found in a nested folder, taken from there: {_listed(sorted(nested))}")
    if unknown:
        intake.notes.append(f"not notebooks of the screen, not collected: {_listed(unknown)}")
    if others:
        intake.notes.append(f"other files, not collected: {_listed(others)}")
    if hand_in.unpacked:
        intake.notes.append(f"unpacked the archive(s) inside it: {_listed(hand_in.unpacked)}")
    if hand_in.junk:
        intake.notes.append(f"ignored {len(hand_in.junk)} system file(s): {_listed(sorted(set(hand_in.junk)), 3)}")
    return taken


def _read_stamp(path: Path) -> dt.datetime | None:
    try:
        return parse_utc(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError, OverflowError, TypeError):
        return None


def _stamp_text(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


def _shown(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _hand_in_time(hand_in: HandIn, taken: dict[str, HandedFile]) -> dt.datetime:
    stamps = [f for f in hand_in.files if f.relative.name == TIMESTAMP]
    for stamp in stamps:
        if (when := _read_stamp(stamp.path)) is not None:
            return when
    return max(f.modified for f in taken.values())


def _same(folder: Path, taken: dict[str, HandedFile]) -> bool:
    have = sorted(p.name for p in folder.glob("*.ipynb"))
    return have == sorted(f"{n}.ipynb" for n in taken) and all(
        filecmp.cmp(folder / f"{name}.ipynb", file.path, shallow=False) for name, file in taken.items())


def _keep_aside(course: Course, student: str, folder: Path, when: dt.datetime) -> Path:
    label = "earlier-" + when.strftime("%Y%m%dT%H%M%S")
    target, n = course.kept_submission(student, label), 1
    while target.exists():
        n += 1
        target = course.kept_submission(student, f"{label}-{n}")
    os.replace(folder, target)
    return target


def _lay_out(course: Course, student: str, taken: dict[str, HandedFile], when: dt.datetime) -> Path:
    """The notebooks and nbgrader's timestamp in a fresh folder beside the submission's place."""
    parent = course.submitted(student).parent
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{course.assignment}.incoming-", dir=parent))
    for name, file in taken.items():
        # written anew (not copied with its times), so grading sees a changed submission
        course.notebook(folder, name).write_bytes(file.path.read_bytes())
    (folder / TIMESTAMP).write_text(_stamp_text(when), encoding="utf-8")
    return folder


def _relative(course: Course, path: Path) -> str:
    return str(path.relative_to(course.root))


def _place(course: Course, intake: Intake, taken: dict[str, HandedFile], when: dt.datetime) -> None:
    """Put the hand-in in `submitted/`, keeping whichever submission it does not replace."""
    student, current = intake.candidate, course.submitted(intake.candidate)
    for folder in [current, *course.kept_submissions(student)]:
        if folder.is_dir() and _same(folder, taken):
            intake.status = "unchanged"
            graded = "this hand-in" if folder == current else f"a later one ({_relative(course, current)})"
            intake.graded = f"{graded}, collected before"
            return
    incoming = _lay_out(course, student, taken, when)
    if not current.is_dir():
        os.replace(incoming, current)
        intake.graded = f"this hand-in ({_shown(when)})"
        return
    before = _read_stamp(current / TIMESTAMP) or dt.datetime.fromtimestamp(
        current.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    if when >= before:
        kept = _keep_aside(course, student, current, before)
        os.replace(incoming, current)
        intake.status = "resubmitted"
        intake.graded = f"this hand-in ({_shown(when)})"
        intake.notes.append(f"a resubmission: the earlier hand-in ({_shown(before)}) is kept as "
                            f"{_relative(course, kept)}; this one is graded")
    else:
        kept = _keep_aside(course, student, incoming, when)
        intake.status = "older kept"
        intake.graded = f"the one collected before ({_shown(before)})"
        intake.notes.append(f"older than the hand-in collected before ({_shown(before)}): kept as "
                            f"{_relative(course, kept)}; the later one stays graded")


def _collect_one(course: Course, intake: Intake, origin: Path, ids: dict[str, set[str]]) -> None:
    with tempfile.TemporaryDirectory(prefix="mlscreen-collect-") as scratch:
        hand_in = read_hand_in(origin, Path(scratch))
        intake.notes += hand_in.problems
        if not hand_in.readable:
            intake.status = "skipped"
            return
        taken = _choose(hand_in, ids, intake)
        intake.notebooks = sorted(taken, key=NOTEBOOKS.index)
        if not taken:
            intake.status = "skipped"
            intake.notes.append("no notebook of the screen in it: nothing collected")
            return
        _place(course, intake, taken, _hand_in_time(hand_in, taken))


def collect(*, course: Course, source: Path) -> IntakeSummary:
    """Collect every hand-in under `source` into `submitted/` (see the module docstring)."""
    if not source.is_dir():
        raise FileNotFoundError(f"no folder of hand-ins at {source}")
    ids = _notebook_ids(course)
    entries, notes, junk = [], [], []
    for entry in sorted(source.iterdir()):
        name = entry.name
        if is_junk(Path(name)) or name in ("__MACOSX", ".ipynb_checkpoints"):
            junk.append(name)
        elif entry.is_dir() and not entry.is_symlink():
            entries.append((name, entry))
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            entries.append((entry.stem, entry))
        else:
            notes.append(f"{name}: not a candidate's folder or zip file; left alone")
    if junk:
        notes.append(f"ignored {len(junk)} system file(s): {_listed(junk, 3)}")
    # a candidate with a folder and a zip: the older hand-in first, so the newer one is graded
    entries.sort(key=lambda e: (e[0], e[1].stat().st_mtime))
    results = []
    for candidate, origin in entries:
        intake = Intake(candidate, origin.name)
        results.append(intake)
        if not is_valid_id(candidate):
            intake.status = "skipped"
            intake.notes.append(f"{candidate!r} is not a valid candidate id ({ID_RULE}); rename it")
            continue
        _collect_one(course, intake, origin, ids)
    protect_secrets(course)
    return IntakeSummary(results, notes)


def format_intake(summary: IntakeSummary) -> str:
    """The summary as text: one row per hand-in, then one line per note."""
    rows = [("candidate", "status", "notebooks", "handed in as", "graded")]
    rows += [(r.candidate, r.status, str(len(r.notebooks)), r.origin, r.graded or "-") for r in summary.results]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    table = "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4] for row in rows)
    notes = [f"  {r.candidate}: {note}" for r in summary.results for note in r.notes]
    notes += [f"  {note}" for note in summary.notes]
    return table + ("\n\nNotes:\n" + "\n".join(notes) if notes else "")
