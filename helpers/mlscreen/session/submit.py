"""Submitting a live session: the workspace copied into `submitted/<candidate>/coding/`.

The copy carries nbgrader's `timestamp.txt`. A submission already there is never overwritten:
it is moved aside first, to `submitted/<candidate>/coding.<time>/`, where nbgrader does not
look, so every earlier submission is kept. The workspace is the candidate's, and their kernel
may still be changing it, so it is read by descriptor without following links: only regular
files and folders are copied (no links, FIFOs or devices, no hidden files, no file with
another name elsewhere), each at most `MAX_FILE_BYTES`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..common.ids import validate_id
from ..course.layout import Course
from ..course.secrets import protect_secrets
from .records import SessionPaths
from .workspace import SESSION_FILE

MAX_FILE_BYTES = 64 * 1024 * 1024
_NOT_SUBMITTED = {SESSION_FILE, "__pycache__"}
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


@dataclass
class Submission:
    """Where a submit put the workspace, what it moved aside and what it left out."""

    candidate: str
    folder: Path
    at: float
    archived: Path | None = None
    skipped: list[str] = field(default_factory=list)


def submit_workspace(*, course: Course, candidate: str, sessions: Path | None = None,
                     now: float | None = None) -> Submission:
    """Copy the candidate's workspace into the course as their submission (see the module)."""
    validate_id(candidate, "candidate id")
    paths = SessionPaths.of(candidate, sessions)
    if not paths.workspace.is_dir() or paths.workspace.is_symlink():
        raise FileNotFoundError(f"no workspace for {candidate}: start one with `mlscreen lab {candidate}`")
    at = time.time() if now is None else now
    target = course.submitted(candidate)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(target.parent, 0o700)
    incoming = target.parent / f".{target.name}.incoming"
    shutil.rmtree(incoming, ignore_errors=True)
    skipped: list[str] = []
    fd = os.open(paths.workspace, _OPEN_DIR)
    try:
        _copy_folder(fd, incoming, "", skipped)
    finally:
        os.close(fd)
    stamp = dt.datetime.fromtimestamp(at, dt.UTC)
    (incoming / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"), encoding="utf-8")
    archived = None
    if target.exists():
        archived = _free_name(target.parent / f"{target.name}.{_stamp_of(target, at)}")
        os.replace(target, archived)
    os.replace(incoming, target)
    protect_secrets(course)
    submission = Submission(candidate, target, at, archived, skipped)
    _note(paths, submission)
    return submission


def _copy_folder(src: int, dest: Path, rel: str, skipped: list[str]) -> None:
    dest.mkdir(mode=0o700)
    with os.scandir(src) as entries:
        names = sorted(entry.name for entry in entries)
    for name in names:
        shown = rel + name
        if name.startswith(".") or name in _NOT_SUBMITTED:
            continue
        try:
            info = os.stat(name, dir_fd=src, follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            try:
                child = os.open(name, _OPEN_DIR, dir_fd=src)
            except OSError:
                skipped.append(f"{shown}/ (changed while it was copied)")
                continue
            try:
                _copy_folder(child, dest / name, shown + "/", skipped)
            finally:
                os.close(child)
        elif stat.S_ISREG(info.st_mode):
            reason = _copy_file(src, name, dest / name)
            if reason:
                skipped.append(f"{shown} ({reason})")
        else:
            skipped.append(f"{shown} (a link or special file)")


def _copy_file(src: int, name: str, target: Path) -> str | None:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=src)
    except OSError:
        return "a link, or changed while it was copied"
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if info.st_nlink > 1:
            return "it has another name outside the workspace"
        if info.st_size > MAX_FILE_BYTES:
            return f"over {MAX_FILE_BYTES // 2**20} MB"
        os.set_blocking(fd, True)
        with open(target, "xb") as out:
            shutil.copyfileobj(handle, out, length=1 << 20)
            if out.tell() > MAX_FILE_BYTES:
                out.truncate(0)
                return f"grew over {MAX_FILE_BYTES // 2**20} MB while it was copied"
    os.chmod(target, 0o600)
    return None


def _stamp_of(folder: Path, fallback: float) -> str:
    """The earlier submission's own time (its timestamp.txt), compact, for its archive name."""
    try:
        text = (folder / "timestamp.txt").read_text(encoding="utf-8").strip()
        moment = dt.datetime.strptime(text.removesuffix(" UTC"), "%Y-%m-%d %H:%M:%S.%f")
    except (OSError, ValueError):
        moment = dt.datetime.fromtimestamp(fallback, dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y%m%dT%H%M%S")


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def _note(paths: SessionPaths, submission: Submission) -> None:
    """One line in the session's history (the session page lists them)."""
    if not paths.state.is_dir():
        return
    line = json.dumps({"at": submission.at, "folder": str(submission.folder),
                       "archived": str(submission.archived) if submission.archived else None,
                       "skipped": submission.skipped})
    with open(paths.submissions, "a", encoding="utf-8") as history:
        history.write(line + "\n")
