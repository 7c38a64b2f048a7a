"""`mlscreen grade`: the real `nbgrader autograde` over a whole batch, with progress, a clear line
per bad submission, feedback without hidden tests, and the grades read back from the gradebook.

nbgrader grades one submission after another; two nbgrader processes on disjoint sets of
candidates share the work (the gradebook URL carries a long SQLite timeout, so they wait for
each other's locks instead of aborting).
"""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import nbformat

from ..course.gradebook import AnswerScore, answer_scores, assignment_answers
from ..course.layout import NOTEBOOKS, Course
from ..course.nbgrader_run import release_assignment, run_nbgrader
from ..course.secrets import protect_secrets
from ..sandbox.execute import protections_line
from .flags import add_flags
from .integrity import run_problems, tampering
from .results import AnswerResult, CandidateResult, GradingSummary

UNREADABLE_SUFFIX = ".unreadable"
_STUDENT_ERROR = re.compile(r"There was an error processing assignment '[^']+' for student '([^']+)'")
_FAILURE_START = re.compile(r"There was an error processing assignment: .*/submitted/([^/]+)/[^/]+/?$")
_NOTEBOOK_DONE = re.compile(r"Autograding .*/autograded/([^/]+)/[^/]+/([^/]+)\.ipynb")
_ERROR_LINE = re.compile(r"\b(\w*(?:Error|Exception|Timeout)\w*)(: .*)?$")


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


def _autograde(course: Course, group: list[str], everyone: list[str], progress) -> dict[str, str]:
    """One nbgrader process grading `group`; returns failed student -> reason."""
    exclude = ",".join(s for s in everyone if s not in group)
    args = ["autograde", course.assignment, "--force"]
    if exclude:
        args.append(f"--CourseDirectory.student_id_exclude={exclude}")
    failures: dict[str, str] = {}
    failing: list[str] = []  # the student whose traceback nbgrader is printing, if any

    def on_line(line: str) -> None:
        done = _NOTEBOOK_DONE.search(line)
        if done:
            progress(done.group(1), done.group(2))
        started = _FAILURE_START.search(line)
        if started:
            failing[:] = [started.group(1)]
            failures[started.group(1)] = "see the nbgrader log"
            return
        if failing and "Removing failed assignment" in line:
            failing.clear()
            return
        error = _ERROR_LINE.search(line.strip())
        if failing and error and not line.lstrip().startswith(("File ", "raise ", "[")):
            failures[failing[0]] = (error.group(1) + (error.group(2) or ""))[:160]
        finished = _STUDENT_ERROR.search(line)  # the summary nbgrader prints at the very end
        if finished and finished.group(1) not in failures:
            failures[finished.group(1)] = "see the nbgrader log"

    code, _ = run_nbgrader(course, *args, on_line=on_line)
    for student in group:  # a grader that stopped early leaves the rest of its group ungraded
        if student not in failures and not course.autograded(student).exists():
            failures[student] = f"nbgrader stopped before grading it, exit code {code}; grade again"
    return failures


def _split(students: list[str], workers: int) -> list[list[str]]:
    groups = [students[i::workers] for i in range(max(1, workers))]
    return [g for g in groups if g]


def grade_batch(
    *, course: Course, students: list[str] | None = None, force: bool = False, workers: int = 2
) -> GradingSummary:
    """Autograde every submission (new or changed ones, or all with `force`), then feedback."""
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
    total = sum(course.notebook(course.submitted(s), n).exists() for s in to_grade for n in NOTEBOOKS)
    lock, done = threading.Lock(), [0]

    def progress(student: str, notebook: str) -> None:
        with lock:
            done[0] += 1
            _log.info(f"grading notebook {done[0]}/{total}: {student} / {notebook}")

    if to_grade:
        _log.info(protections_line())
        _log.info(f"autograding {len(to_grade)} candidate(s) with nbgrader, {workers} at a time ...")
        with ThreadPoolExecutor(max_workers=workers) as pool:
            groups = _split(to_grade, workers)
            for failures in pool.map(lambda g: _autograde(course, g, everyone, progress), groups):
                for student, reason in failures.items():
                    if student in results:
                        results[student].status = "failed"
                        results[student].notes.append(
                            f"nbgrader could not grade this submission ({reason}); no score recorded")
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
