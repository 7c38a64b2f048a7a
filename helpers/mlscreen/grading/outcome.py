"""What a grading worker sends back for one candidate: plain, structured data, no log text.

Built by `worker` from nbgrader's API (success or the exception it raised) and the worker's
own gradebook (grades and comments per cell); read by `recorder`, the one writer of the real
gradebook. Everything here pickles, so it travels from a Dask worker on any machine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Job:
    """One candidate to grade: their submitted files (path relative to the submission -> bytes)."""

    student: str
    assignment: str
    files: dict[str, bytes]


@dataclass
class NotebookRun:
    """One autograded notebook: its grades and comments as nbgrader saved them."""

    name: str
    grades: dict[str, float | None] = field(default_factory=dict)  # grade id -> auto score
    comments: dict[str, str | None] = field(default_factory=dict)  # grade id -> auto comment
    late_penalty: float | None = None


@dataclass
class CandidateRun:
    """A worker's outcome for one candidate.

    `success` and `error` come from nbgrader's API; `failed_notebook` names the notebook whose
    step raised; `files` is what nbgrader wrote to `autograded/<student>/<assignment>/` other
    than the course's own source files (the graded notebooks, the sandbox's sidecars, the
    candidate's other files).
    """

    student: str
    success: bool
    error: str | None = None
    failed_notebook: str | None = None
    notes: list[str] = field(default_factory=list)  # what the worker fixed in its copy
    timestamp: dt.datetime | None = None
    notebooks: list[NotebookRun] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    worker: str = ""
    seconds: float = 0.0
