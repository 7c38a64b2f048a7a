"""`mlscreen grade`: nbgrader's autograde over a whole batch, with progress, a clear line per
bad submission, feedback without hidden tests, and the grades read back from the gradebook.

The candidates are graded by the engine (`engine`: Dask workers, each running nbgrader's API
in-process, the coordinator the only writer of the gradebook); every outcome in the summary
comes from the structured runs it returns and from the gradebook, never from log text.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

import nbformat

from ..course.gradebook import AnswerScore, answer_scores, assignment_answers
from ..course.layout import NOTEBOOKS, Course
from ..course.nbgrader_run import release_assignment, run_nbgrader
from ..course.secrets import protect_secrets
from ..sandbox.execute import protections_line
from .engine import run_batch
from .flags import add_flags
from .integrity import run_problems, tampering
from .order import expected_seconds
from .outcome import CandidateRun
from .results import AnswerResult, CandidateResult, GradingSummary

UNREADABLE_SUFFIX = ".unreadable"


_log = logging.getLogger(__name__)


def _needs_grading(course: Course, student: str) -> bool:
    graded = course.autograded(student)
    if not graded.exists():
        return True
    submitted_at = max(p.stat().st_mtime for p in course.submitted(student).rglob("*"))
    return submitted_at > graded.stat().st_mtime


def _precheck(course: Course, student: str) -> list[str]:
    """Notes on missing or unreadable notebooks; an unreadable one is set aside, never deleted."""
    notes = []
    folder = course.submitted(student)
    if "," in student:
        raise ValueError(f"candidate id {student!r} contains a comma: rename the folder")
    for name in NOTEBOOKS:
        path = course.notebook(folder, name)
        aside = path.with_name(path.name + UNREADABLE_SUFFIX)
        if not path.exists():
            notes.append(f"{name}.ipynb " + ("is not valid notebook JSON (kept as "
                         f"{aside.name}); scored 0" if aside.exists() else "was not submitted; scored 0"))
            continue
        try:
            nbformat.read(path, as_version=4)
        except Exception as error:  # noqa: BLE001 - any unreadable file is reported the same way
            path.rename(aside)
            reason = str(error).splitlines()[0].split(":")[0][:120]
            notes.append(f"{name}.ipynb is not valid notebook JSON ({reason}); kept as {aside.name}; scored 0")
            continue
        notes += tampering(course.notebook(course.release, name), path)
    extra = sorted(p.name for p in folder.glob("*.ipynb") if p.stem not in NOTEBOOKS)
    if extra:
        notes.append(f"not part of the screen, so not graded: {', '.join(extra)}")
    return notes


def grade_batch(
    *, course: Course, students: list[str] | None = None, force: bool = False,
    workers: int | None = None, scheduler: str | None = None,
) -> GradingSummary:
    """Autograde every submission (new or changed ones, or all with `force`), then feedback.

    `workers`: local worker processes (default: one per core); `scheduler`: a Dask scheduler's
    address (or $MLSCREEN_SCHEDULER) to grade on that cluster instead.
    """
    if not course.release.is_dir():
        raise FileNotFoundError("no release found: run `mlscreen build` first")
    everyone = course.submitted_students()
    if not everyone:
        raise FileNotFoundError(f"no submissions under {course.submitted()}")
    chosen = [s for s in (students or everyone) if s in everyone]
    unknown = sorted(set(students or []) - set(everyone))
    if unknown:
        raise ValueError(f"no submission folder for: {', '.join(unknown)}")
    if not assignment_answers(course):
        _log.info(f"the gradebook does not know '{course.assignment}' yet: registering the release ...")
        release_assignment(course)
    results = {s: CandidateResult(s) for s in chosen}
    to_grade = [s for s in chosen if force or _needs_grading(course, s)]
    for student in chosen:
        if student not in to_grade:
            results[student].status = "skipped"
            results[student].notes.append("already graded and unchanged (use --force to regrade)")
        else:
            notes = _precheck(course, student)
            results[student].notes += notes
            incomplete = any(("not submitted" in n or "not valid notebook JSON" in n) for n in notes)
            results[student].status = "incomplete" if incomplete else "graded"
    if to_grade:
        _log.info(protections_line())

        def started(count: int) -> None:
            where = f"{count} Dask worker(s)" if count else "Dask workers"
            _log.info(f"autograding {len(to_grade)} candidate(s) with nbgrader on {where} ...")

        def recorded(run: CandidateRun, done: int, total: int, eta: str) -> None:
            state = "graded" if run.success else "failed"
            _log.info(f"graded candidate {done}/{total} ({state}: {run.student}, {run.seconds:.1f} s), "
                      f"ETA {eta}")

        runs = run_batch(course, to_grade, scheduler=scheduler, workers=workers,
                         expected=expected_seconds(course, to_grade), on_started=started, on_recorded=recorded)
        for student in to_grade:
            _apply_run(results[student], runs.get(student))
        graded = [s for s in to_grade if results[s].status != "failed"]
        if graded:
            _log.info("writing feedback (hidden tests removed) ...")
            others = ",".join(s for s in everyone if s not in graded)
            run_nbgrader(course, "generate_feedback", course.assignment, "--force",
                         *([f"--CourseDirectory.student_id_exclude={others}"] if others else []))
    protect_secrets(course)
    answers = assignment_answers(course)
    for student, result in results.items():
        result.answers = _all_answers(student, answer_scores(course, student), answers, _graded_notebooks(course, result))
        if student in to_grade and result.status != "failed":
            for notebook in sorted(course.autograded(student).glob("*.ipynb")):
                result.notes += run_problems(notebook)
    summary = GradingSummary([results[s] for s in chosen])
    add_flags(course, summary, everyone)
    return summary


def _graded_notebooks(course: Course, result: CandidateResult) -> set[str]:
    """The notebooks nbgrader graded for this candidate (none when it failed the candidate)."""
    if result.status == "failed":
        return set()
    return {p.stem for p in course.autograded(result.student).glob("*.ipynb")} & set(NOTEBOOKS)


def _all_answers(student: str, scored: list[AnswerScore], answers, graded: set[str]) -> list[AnswerResult]:
    """Every answer of the assignment; one of a notebook never graded has 0 points and `graded` False."""
    have = {(a.notebook, a.answer): a for a in scored}
    return [
        AnswerResult(**asdict(have[(nb, name)]), graded=True) if nb in graded and (nb, name) in have
        else AnswerResult(student, nb, name, 0.0, points, False, written, graded=False)
        for nb, name, points, written in answers
    ]


def _apply_run(result: CandidateResult, run: CandidateRun | None) -> None:
    """A candidate's status and notes from the engine's structured run."""
    if run is None:
        result.status = "failed"
        result.notes.append("the grading engine returned nothing for this submission; grade again")
        return
    result.notes += run.notes
    if not run.success:
        result.status = "failed"
        where = f"{run.failed_notebook}.ipynb: " if run.failed_notebook else ""
        result.notes.append(f"nbgrader could not grade this submission ({where}{run.error}); "
                            "no score recorded")
