"""A candidate's workspace: a fresh copy of the release the first time, untouched afterwards.

The workspace sits outside the course directory, so neither the file browser nor a kernel has
anything else in reach. `SESSION.md` at its top tells the candidate the planned duration and
when the session started (the one file of the workspace the kit writes, on every start).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from ..bank import load_bank
from ..course.layout import Course

SESSION_FILE = "SESSION.md"
CODING_STAGE = "coding"
_NOT_COPIED = (".ipynb_checkpoints", "__pycache__", "*.pyc", ".DS_Store")


def planned_minutes() -> tuple[int, int]:
    """The coding screen's planned duration, from the panel plan (`bank/panel.yaml`)."""
    stage = load_bank().stage(CODING_STAGE)
    return stage.min_minutes, stage.max_minutes


def check_outside(course: Course, folder: Path) -> None:
    """Refuse a sessions folder inside the course directory (or the course inside it)."""
    root, place = course.root.resolve(), folder.resolve()
    if place == root or root in place.parents or place in root.parents:
        raise ValueError(f"sessions must live outside the course directory: {place} overlaps "
                         f"{root} (set MLSCREEN_SESSIONS to another folder)")


def prepare_workspace(course: Course, workspace: Path) -> bool:
    """Copy `release/coding/` into `workspace` if it does not exist yet; True if it was made.

    An existing workspace is resumed as it is: nothing in it is added, replaced or removed.
    """
    if workspace.is_symlink():
        raise ValueError(f"{workspace} is a symbolic link: refusing to use it as a workspace")
    if workspace.exists():
        return False
    release = course.release
    notebooks = sorted(release.glob("*.ipynb")) if release.is_dir() else []
    if not notebooks:
        raise FileNotFoundError(f"no released notebooks in {release}: run `mlscreen build` first")
    workspace.parent.mkdir(parents=True, exist_ok=True)
    partial = workspace.with_name(workspace.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(release, partial, symlinks=False, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    os.chmod(partial, 0o700)
    os.replace(partial, workspace)  # a workspace exists whole or not at all
    return True


def session_text(*, candidate_name: str, minutes: tuple[int, int], started: float,
                 page_url: str) -> str:
    """What `SESSION.md` says: the plan, the clock, how the session ends."""
    low, high = minutes
    start = dt.datetime.fromtimestamp(started).astimezone()
    aim = start + dt.timedelta(minutes=low)
    latest = start + dt.timedelta(minutes=high)
    zone = start.strftime("%Z") or start.strftime("UTC%z")
    return (
        f"# Coding screen: {candidate_name}\n\n"
        f"**Planned time: {low}-{high} minutes.** Your session started at "
        f"**{start:%H:%M}** ({zone}, the server's clock): aim to finish by **{aim:%H:%M}**; "
        f"the session ends at **{latest:%H:%M}** at the latest.\n\n"
        f"The time left is on the [session page]({page_url}).\n\n"
        "Work in the three notebooks beside this file: fill in each `YOUR CODE HERE` and run the "
        "visible test below it (Shift+Enter runs a cell). Your interviewer sees the same "
        "notebooks live. "
        "Everything you save stays in this workspace; when you are done, tell your interviewer, "
        "who submits the workspace for grading.\n\n"
        "The notebooks' kernels run in a sandbox: no network, and nothing but this workspace "
        "and a scratch `/tmp` on disk.\n"
    )


def write_session_file(workspace: Path, text: str) -> bool:
    """(Re)write `SESSION.md`; False (and nothing touched) if something else now has that name."""
    target = workspace / SESSION_FILE
    if target.is_symlink() or (target.exists() and not target.is_file()):
        return False
    tmp = workspace / f".{SESSION_FILE}.tmp"
    if tmp.is_symlink() or tmp.is_file():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, target)
    return True
