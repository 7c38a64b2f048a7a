"""The course bundle: what a grading worker needs of the course, packed once per batch.

The coordinator packs `nbgrader_config.py`, `source/` and `release/` of the assignment, a
gradebook holding the assignment and no candidate, and `.mlscreen/` when the course has one
(it holds the course secret): a worker on another machine needs only the kit installed.
The bundle carries hidden tests and secrets: send it over Dask TLS or a private network.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook

from ..course.layout import Course
from ..course.nbgrader_run import run_nbgrader

_SKIPPED = ("__pycache__", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Bundle:
    """A packed course: `key` (its SHA-256) names it, `data` is a gzipped tar."""

    key: str
    data: bytes


def _members(course: Course) -> list[tuple[Path, str]]:
    names = [(course.root / "nbgrader_config.py", "nbgrader_config.py"),
             (course.source, f"source/{course.assignment}"),
             (course.release, f"release/{course.assignment}")]
    secret = course.root / ".mlscreen"
    if secret.is_dir():
        names.append((secret, ".mlscreen"))
    return [(path, name) for path, name in names if path.exists()]


def _filter(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    if any(part in _SKIPPED for part in Path(info.name).parts) or info.issym() or info.islnk():
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0  # the same course packs to the same bytes
    return info


def _empty_gradebook(course: Course, target: Path) -> None:
    """A copy of the course's gradebook with the assignment and no candidates.

    A SQLite gradebook is copied (SQLite's backup, safe while others read it); any other
    database gets a fresh SQLite gradebook from `nbgrader generate_assignment` in a scratch copy.
    """
    file = course.gradebook_file
    if file is not None and file.exists():
        with sqlite3.connect(file) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
    else:
        with tempfile.TemporaryDirectory(prefix="mlscreen-bundle-") as scratch:
            copy = Course(Path(scratch), course.assignment)
            for path, name in _members(course):
                _copy_tree(path, copy.root / name)
            code, lines = run_nbgrader(copy, "generate_assignment", course.assignment, "--force",
                                       f"--CourseDirectory.db_url=sqlite:///{target}")
            if code != 0:
                raise RuntimeError("could not register the assignment in a worker gradebook:\n"
                                   + "\n".join(lines[-20:]))
    with Gradebook(f"sqlite:///{target}") as gb:
        for student in list(gb.students):
            gb.remove_student(student.id)


def _copy_tree(source: Path, target: Path) -> None:
    import shutil

    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*_SKIPPED), symlinks=False)
    else:
        shutil.copy2(source, target)


def pack_course(course: Course) -> Bundle:
    """Pack what a worker needs to grade the course's assignment (see the module docstring)."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="mlscreen-bundle-") as scratch:
        gradebook = Path(scratch) / "gradebook.db"
        _empty_gradebook(course, gradebook)
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path, name in _members(course):
                tar.add(path, arcname=name, filter=_filter)
            tar.add(gradebook, arcname="gradebook.db", filter=_filter)
    data = buffer.getvalue()
    return Bundle(hashlib.sha256(data).hexdigest(), data)


def unpack_course(bundle: Bundle, target: Path, assignment: str) -> Course:
    """Unpack `bundle` into the empty folder `target`: a private course with its own gradebook."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(bundle.data), mode="r:gz") as tar:
        tar.extractall(target, filter="data")
    return Course(target, assignment)
