"""The grading worker: one candidate per call, graded in-process by nbgrader's API.

A worker process (a Dask worker, one thread) unpacks the course bundle once into a private
course folder with its own SQLite gradebook, and keeps one `NbGraderAPI` for its lifetime (the
API changes its course directory while it runs: one per process, never shared by threads).
Each call writes the candidate's files into that private copy, fixes what would make nbgrader
fail the whole candidate (`repair`), autogrades, reads the grades back from its own gradebook
and returns them as a `CandidateRun`. It never writes the real gradebook: a worker that dies
mid-call leaves nothing behind, and its candidate is simply graded again elsewhere.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path, PurePosixPath

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.api import NbGraderAPI
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import capture_log, temp_attrs
from sqlalchemy.exc import SAWarning
from traitlets.config.loader import PyFileConfigLoader

from ..course.layout import NOTEBOOKS, Course
from .bundle import Bundle, unpack_course
from .outcome import CandidateRun, Job, NotebookRun
from .repair import repair_notebook

_state: dict[str, tuple[Course, NbGraderAPI]] = {}
_lock = threading.Lock()
_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class _Autograde(Autograde):
    """nbgrader's autograde, remembering which notebook raised and what (nbgrader only logs it)."""

    failure: tuple[str | None, str] | None = None

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        try:
            super().init_assignment(assignment_id, student_id)
        except Exception as error:
            self.failure = (None, _describe(error))
            raise

    def convert_single_notebook(self, notebook_filename: str) -> None:
        try:
            super().convert_single_notebook(notebook_filename)
        except Exception as error:
            if self.failure is None:
                self.failure = (Path(notebook_filename).stem, _describe(error))
            raise


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200]}" if text else type(error).__name__


def _prepare_process() -> None:
    """nbgrader starts `alembic` and kernels by name: this environment's bin folder first."""
    bin_dir = str(Path(sys.executable).parent)
    if not os.environ.get("PATH", "").startswith(bin_dir):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    for name in _THREADS:
        os.environ.setdefault(name, "1")
    # nbgrader 0.9.6 with SQLAlchemy 2 warns on every submission; it means nothing here
    warnings.filterwarnings("ignore", category=SAWarning)


def _open_api(course: Course) -> NbGraderAPI:
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    config.CourseDirectory.root = str(course.root)
    # always this worker's own gradebook, whatever the machine's MLSCREEN_DB says
    config.CourseDirectory.db_url = f"sqlite:///{course.root / 'gradebook.db'}?timeout=60"
    # this long-lived process forks each kernel from one that has imported their modules once
    config.SandboxedExecute.template_kernel = True
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def worker_course(bundle: Bundle, assignment: str) -> tuple[Course, NbGraderAPI]:
    """This process's private course for `bundle`, unpacked on first use, and its API."""
    with _lock:
        if bundle.key not in _state:
            _prepare_process()
            scratch = Path(tempfile.mkdtemp(prefix="mlscreen-worker-"))
            atexit.register(shutil.rmtree, scratch, True)
            course = unpack_course(bundle, scratch / "course", assignment)
            _state[bundle.key] = (course, _open_api(course))
        return _state[bundle.key]


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            continue  # never outside the candidate's folder
        target = folder.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _source_files(course: Course) -> set[str]:
    """The course's own non-notebook files, which nbgrader copies into every autograded folder."""
    return {p.relative_to(course.source).as_posix() for p in course.source.rglob("*")
            if p.is_file() and p.suffix != ".ipynb"}


def _read_gradebook(api: NbGraderAPI, job: Job, run: CandidateRun) -> None:
    with Gradebook(api.coursedir.db_url) as gb:
        try:
            submission = gb.find_submission(job.assignment, job.student)
        except MissingEntry:
            return
        run.timestamp = submission.timestamp
        for nb in submission.notebooks:
            run.notebooks.append(NotebookRun(
                name=nb.name,
                grades={g.name: g.auto_score for g in nb.grades},
                comments={c.name: c.auto_comment for c in nb.comments},
                late_penalty=nb.late_submission_penalty,
            ))
        gb.remove_submission(job.assignment, job.student)  # the next call starts clean


def grade_candidate(bundle: Bundle, job: Job) -> CandidateRun:
    """Autograde one candidate in this process's private course; see the module docstring."""
    start = time.perf_counter()
    course, api = worker_course(bundle, job.assignment)
    for step in ("submitted", "autograded", "feedback"):
        shutil.rmtree(course.root / step, ignore_errors=True)
    folder = course.submitted(job.student)
    folder.mkdir(parents=True)
    _write_files(folder, job.files)
    notes = []
    for name in NOTEBOOKS:
        path = course.notebook(folder, name)
        if path.exists():
            notes += repair_notebook(path, course.notebook(course.release, name))
    app = _Autograde(coursedir=api.coursedir, parent=api)
    with temp_attrs(api.coursedir, assignment_id=job.assignment, student_id=job.student):
        app.force = True
        app.create_student = True
        outcome = capture_log(app)
    run = CandidateRun(job.student, bool(outcome.get("success")), notes=notes,
                       worker=f"{socket.gethostname()}:{os.getpid()}")
    if not run.success:
        run.failed_notebook, run.error = app.failure or (None, _last_line(outcome.get("error")))
    graded = course.autograded(job.student)
    if run.success and graded.is_dir():
        _read_gradebook(api, job, run)
        skip = _source_files(course)
        run.files = {p.relative_to(graded).as_posix(): p.read_bytes() for p in sorted(graded.rglob("*"))
                     if p.is_file() and p.relative_to(graded).as_posix() not in skip}
    run.seconds = time.perf_counter() - start
    return run


def _last_line(error: str | None) -> str:
    lines = [line for line in (error or "").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "nbgrader reported no reason"
