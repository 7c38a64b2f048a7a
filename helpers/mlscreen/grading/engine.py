"""The grading engine: one Dask task per candidate, the coordinator the only writer.

With no scheduler address the workers are an in-process `distributed.LocalCluster` (one
process per core, one thread each: nothing to set up); with `scheduler`
(`--scheduler tcp://HOST:8786`, or $MLSCREEN_SCHEDULER) they are a real Dask cluster started
with `dask scheduler` / `dask worker` on any machines that have the kit installed. The course
bundle is broadcast to the workers once; each task carries one candidate's submitted files
and returns a `CandidateRun`. A worker that dies mid-task has written nothing: Dask runs the
task again on another worker, and the `Recorder` keeps the first result of each candidate.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable

from ..course.layout import Course
from .bundle import pack_course
from .order import longest_first
from .outcome import CandidateRun, Job
from .recorder import Recorder
from .worker import grade_candidate

SCHEDULER_VARIABLE = "MLSCREEN_SCHEDULER"
_ATTEMPTS = 4  # a task lost by the cluster is handed out again, this many times in all
_log = logging.getLogger(__name__)


def submitted_files(course: Course, student: str) -> dict[str, bytes]:
    """Every file of a candidate's submission, by its path inside it."""
    folder = course.submitted(student)
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def _client(scheduler: str | None, workers: int):
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="30s"), None
        except Exception as error:  # unreachable, refused, or TLS without Dask's TLS settings
            hint = " (a tls:// address needs Dask's TLS settings, see the README)" if scheduler.startswith("tls") else ""
            raise RuntimeError(f"could not connect to the Dask scheduler at {scheduler}: "
                               f"{type(error).__name__}: {error}{hint}") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                           processes=True, dashboard_address=None, silence_logs=logging.WARNING)
    return Client(cluster), cluster


def _lost(error: BaseException) -> bool:
    """The cluster, not grading, failed the task: a worker died or the scheduler dropped it."""
    from concurrent.futures import CancelledError

    from distributed.scheduler import KilledWorker

    return isinstance(error, (CancelledError, KilledWorker)) or "Cancelled" in type(error).__name__


def _eta(done: float, total: float, started: float) -> str:
    """Time left, from the time so far and the share of the work done (counted or weighted)."""
    if done <= 0:
        return "?"
    left = (time.perf_counter() - started) / done * max(0.0, total - done)
    return f"{left:.0f} s"


def run_batch(
    course: Course, students: list[str], *, scheduler: str | None = None, workers: int | None = None,
    expected: dict[str, float] | None = None,
    on_recorded: Callable[[CandidateRun, int, int, str], None] | None = None,
    on_started: Callable[[int], None] | None = None,
) -> dict[str, CandidateRun]:
    """Grade `students` on Dask and record each once; every candidate gets a run, failed or not.

    `expected` (seconds per candidate, from their last grading) hands out the longest first and
    weights the ETA; `on_started(worker count)` is called once the work is handed out;
    `on_recorded(run, done, total, eta)` after each candidate is recorded.
    """
    from distributed import as_completed

    scheduler = scheduler or os.environ.get(SCHEDULER_VARIABLE) or None
    bundle = pack_course(course)
    recorder = Recorder(course)
    runs: dict[str, CandidateRun] = {}
    local = workers or min(os.cpu_count() or 1, len(students))
    client, cluster = _client(scheduler, max(1, local))
    try:
        shared = [client.scatter(bundle, broadcast=True, hash=False)]
        jobs = {s: Job(s, course.assignment, submitted_files(course, s)) for s in students}
        attempts: dict[str, int] = {}

        def submit(student: str):
            attempts[student] = attempts.get(student, 0) + 1
            if shared[0].status != "finished":  # its copies were lost with their workers
                shared[0] = client.scatter(bundle, broadcast=True, hash=False)
            future = client.submit(grade_candidate, shared[0], jobs[student],
                                   key=f"grade-{student}-{uuid.uuid4().hex[:12]}", pure=False)
            futures[future] = student
            return future

        futures: dict = {}
        pending = as_completed([submit(s) for s in longest_first(students, expected)])
        cost = expected or dict.fromkeys(students, 1.0)
        total, done = sum(cost.values()), 0.0
        if on_started:
            on_started(len(client.scheduler_info().get("workers", {})))
        started = time.perf_counter()
        for future in pending:
            student = futures.pop(future)
            try:
                run = future.result()
            except Exception as error:  # noqa: BLE001 - a task that could not run is that candidate's failure
                if _lost(error) and attempts[student] < _ATTEMPTS:
                    _log.warning(f"the cluster lost {student}'s task ({type(error).__name__}); again")
                    pending.add(submit(student))
                    continue
                run = CandidateRun(student, False, error=f"{type(error).__name__}: {error}"[:300])
            if recorder.record(run):
                runs[student] = run
                done += cost.get(student, 0.0)
                if on_recorded:
                    on_recorded(run, len(runs), len(students), _eta(done, total, started))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return runs
