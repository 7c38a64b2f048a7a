"""Reading one candidate's hand-in, a folder or a zip file, as the files it holds.

Archives are opened safely (no path leaving the archive, no links, a cap on size and count);
a zip inside the hand-in is unpacked too, a few levels deep, as nbgrader's `zip_collect` does.
System clutter (`__MACOSX/`, `.DS_Store`, checkpoints) is set apart, never collected.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_BYTES = 200 * 1024 * 1024  # unpacked, per hand-in
MAX_FILES = 5000
MAX_DEPTH = 3  # archives inside archives
_JUNK_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".git", ".Trash", ".Trashes", ".idea",
              ".vscode", ".virtual_documents"}
_JUNK_FILES = {".DS_Store", "Thumbs.db", "desktop.ini", ".localized"}


def is_junk(relative: PurePosixPath) -> bool:
    """System or editor clutter: never a candidate's work."""
    name = relative.name
    return (any(part in _JUNK_DIRS for part in relative.parts[:-1]) or name in _JUNK_FILES
            or name.startswith(("._", "~$", ".~lock")) or name.endswith("~"))


@dataclass(frozen=True)
class HandedFile:
    """One file of a hand-in: where it sits in the hand-in, where it is on disk, when it was saved."""

    relative: PurePosixPath
    path: Path
    modified: dt.datetime  # UTC, naive


@dataclass
class HandIn:
    """What a hand-in holds: its files, the clutter set apart, and what could not be read."""

    files: list[HandedFile] = field(default_factory=list)
    junk: list[str] = field(default_factory=list)
    unpacked: list[str] = field(default_factory=list)  # archives inside the hand-in
    problems: list[str] = field(default_factory=list)
    readable: bool = True


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


def _safe_member(name: str) -> PurePosixPath | None:
    """The member's path inside the archive, or None if it would leave it."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        return None
    return path


def _named(where: PurePosixPath, archive: Path) -> str:
    return archive.name if str(where) == "." else str(where)


def _unzip(archive: Path, target: Path, where: PurePosixPath, hand_in: HandIn, depth: int) -> None:
    """Unpack `archive` into `target` and add its files (as `where/...`) to the hand-in."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [info for info in zf.infolist() if not info.is_dir()]
            if sum(info.file_size for info in members) > MAX_BYTES or len(members) > MAX_FILES:
                hand_in.problems.append(f"{_named(where, archive)}: over {MAX_BYTES >> 20} MB or "
                                        f"{MAX_FILES} files unpacked; not opened")
                if depth == 0:
                    hand_in.readable = False
                return
            unsafe = []
            for info in members:
                inner = _safe_member(info.filename)
                mode = info.external_attr >> 16
                if inner is None or stat.S_ISLNK(mode):
                    unsafe.append(info.filename)
                    continue
                if info.flag_bits & 0x1:
                    hand_in.problems.append(f"{where / inner}: encrypted in the archive; not opened")
                    continue
                destination = target / inner
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, destination.open("wb") as out:
                    shutil.copyfileobj(source, out)
                saved = dt.datetime(*info.date_time).timestamp()  # zip times are local times
                os.utime(destination, (saved, saved))
                _add(hand_in, where / inner, destination, depth)
            if unsafe:
                hand_in.problems.append(f"paths that would leave the archive, not unpacked: {', '.join(unsafe[:3])}")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        hand_in.problems.append(f"{_named(where, archive)} is not a readable zip file ({error}); nothing in it collected")
        if depth == 0:
            hand_in.readable = False


def _add(hand_in: HandIn, relative: PurePosixPath, path: Path, depth: int) -> None:
    if is_junk(relative):
        hand_in.junk.append(str(relative))
    elif relative.suffix.lower() == ".zip" and depth < MAX_DEPTH:
        hand_in.unpacked.append(str(relative))
        inner = path.with_name(path.name + ".unpacked")
        _unzip(path, inner, relative.with_suffix(""), hand_in, depth + 1)
    else:
        hand_in.files.append(HandedFile(relative, path, _utc(path.stat().st_mtime)))


def read_hand_in(origin: Path, scratch: Path) -> HandIn:
    """The files of a hand-in folder or zip; archives are unpacked under `scratch`."""
    hand_in = HandIn()
    if origin.is_dir():
        copied = scratch / "folder"
        for folder, dirs, names in os.walk(origin, followlinks=False):
            dirs.sort()
            for name in sorted(names) + sorted(d for d in dirs if (Path(folder) / d).is_symlink()):
                path = Path(folder) / name
                relative = PurePosixPath(path.relative_to(origin).as_posix())
                if path.is_symlink():
                    hand_in.problems.append(f"{relative} is a link; not followed")
                elif path.suffix.lower() == ".zip" and not is_junk(relative):
                    target = copied / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
                    _add(hand_in, relative, target, 0)
                elif path.is_file():
                    _add(hand_in, relative, path, 0)
    else:
        _unzip(origin, scratch / "zip", PurePosixPath(""), hand_in, 0)
    return hand_in
