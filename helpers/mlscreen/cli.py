"""The `mlscreen` command: a thin layer over library functions, one per subcommand."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .course.layout import DB_VARIABLE, Course


def _course(args: argparse.Namespace) -> Course:
    return Course(Path(args.root).resolve()) if args.root else Course.discover()


def _build(args: argparse.Namespace) -> int:
    from .screen.build import build

    build(course=_course(args), validate=not args.no_validate)
    return 0


def _collect(args: argparse.Namespace) -> int:
    from .grading.intake import collect, format_intake

    summary = collect(course=_course(args), source=Path(args.path).resolve())
    print(format_intake(summary))
    return 0 if summary.all_collected else 1


def _grade(args: argparse.Namespace) -> int:
    from .grading.batch import grade_batch
    from .grading.report import format_table, write_report

    if args.db:  # nbgrader (feedback, plain runs) and the kit read the same variable
        os.environ[DB_VARIABLE] = args.db
    course = _course(args)
    summary = grade_batch(course=course, students=args.student or None, force=args.force,
                          workers=args.workers, scheduler=args.scheduler)
    report = write_report(course, summary)
    print(format_table(summary))
    print(f"\nreport: {report}")
    return 0 if summary.all_graded else 1


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(course=_course(args))
    return 0


def _scorecards(args: argparse.Namespace) -> int:
    from .interview.export import write_exports

    out = Path(args.out) if args.out else None
    for path in write_exports(course=_course(args), viewer=args.viewer, out=out):
        print(f"wrote {path}")
    return 0


def _calibration(args: argparse.Namespace) -> int:
    from .interview.calibration_report import calibration_text, write_calibration

    folder = Path(args.scorecards) if args.scorecards else None
    out = Path(args.out) if args.out else None
    cal, paths = write_calibration(course=_course(args), scorecards=folder, out_dir=out,
                                   stage=args.stage)
    print(calibration_text(cal))
    print(f"\nreport: {paths['html']}")
    return 0


def _interview(args: argparse.Namespace) -> int:
    from .interview.app import launch

    return launch(course=_course(args), port=args.port, lab=args.lab)


def _lab(args: argparse.Namespace) -> int:
    from .session.launch import limits_statement, start_session, unprotected_warning

    started = start_session(
        course=_course(args), candidate=args.candidate, candidate_name=args.name,
        interviewer_name=args.interviewer, ip=args.ip, port=args.port,
        allow_unprotected=args.unprotected)
    record = started.record
    print(record.protections)
    for line in limits_statement(started.protections):
        print(f"  {line}")
    if warning := unprotected_warning(started.protections):
        print(warning)
    how = {"new": "a fresh workspace", "resumed": "the workspace resumed as it was left",
           "running": "already running"}[started.how]
    print(f"\nSession of {record.candidate}: {how}, {started.paths.workspace}")
    low, high = record.planned_minutes
    print(f"planned time {low}-{high} minutes, {record.minutes_elapsed():.0f} elapsed")
    print(f"Candidate ({record.candidate_name}): {record.candidate_url}")
    print(f"Interviewer ({record.interviewer_name}): {record.interviewer_url}")
    print(f"Session page (time left; Submit and grade now): {record.page_url}")
    print(f"Submit: mlscreen submit {record.candidate}    Stop: mlscreen stop {record.candidate}")
    return 0


def _sessions(args: argparse.Namespace) -> int:
    from .session.launch import list_sessions

    states = list_sessions()
    if not states:
        print("no sessions")
    for state in states:
        record = state.record
        low, high = record.planned_minutes
        if state.running:
            when = f"running on port {record.port}, {record.minutes_elapsed():.0f} of {low}-{high} min"
        else:
            when = "stopped"
        print(f"{record.candidate:<20} {when}; {state.submissions} submission(s)")
        if state.running and args.urls:
            print(f"    candidate:   {record.candidate_url}\n    interviewer: {record.interviewer_url}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from .session.launch import stop_session

    for line in stop_session(candidate=args.candidate):
        print(line)
    return 0


def _submit(args: argparse.Namespace) -> int:
    from .grading.batch import grade_batch
    from .grading.report import format_table
    from .session.submit import submit_workspace

    course = _course(args)
    submission = submit_workspace(course=course, candidate=args.candidate)
    print(f"submitted {submission.candidate}'s workspace to {submission.folder}")
    if submission.archived:
        print(f"the earlier submission is kept in {submission.archived}")
    for skipped in submission.skipped:
        print(f"  not copied: {skipped}")
    summary = grade_batch(course=course, students=[submission.candidate], force=True)
    print(format_table(summary))
    return 0 if summary.all_graded else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlscreen", description=__doc__)
    parser.add_argument("--root", help="course directory (default: found from the working directory)")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_true", help="also show debugging detail")
    loudness.add_argument("-q", "--quiet", action="store_true", help="show only warnings and errors")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="generate data and model, release the coding screen, check it")
    p.add_argument("--no-validate", action="store_true", help="skip proving the source notebooks")
    p.set_defaults(func=_build)

    p = sub.add_parser("collect", help="lay out candidates' hand-ins (folders or zips) in submitted/")
    p.add_argument("path", help="folder holding one folder or zip file per candidate, named after them")
    p.set_defaults(func=_collect)

    p = sub.add_parser("grade", help="autograde every submission, write feedback, grades and report")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--force", action="store_true", help="regrade students already graded")
    p.add_argument("--scheduler", help="grade on this Dask cluster (tcp://HOST:8786; default "
                   "$MLSCREEN_SCHEDULER, else a local cluster on this machine)")
    p.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    p.add_argument("--db", help="the gradebook as any SQLAlchemy URL nbgrader accepts (default "
                   "$MLSCREEN_DB, else gradebook.db in the course)")
    p.set_defaults(func=_grade)

    p = sub.add_parser("demo", help="build, grade the sample cohort and write the report")
    p.set_defaults(func=_demo)

    p = sub.add_parser(
        "scorecards",
        help="export submitted scorecards: one CSV, each candidate's one-page scorecard, ATS JSON")
    p.add_argument("--out", help="CSV path (default: reports/scorecards.csv)")
    p.add_argument("--as", dest="viewer", metavar="INTERVIEWER",
                   help="export only what this interviewer may see (blind until they submit)")
    p.set_defaults(func=_scorecards)

    p = sub.add_parser("calibration", help="interviewer leniency and panel agreement (alpha, kappa)")
    p.add_argument("--scorecards", help="folder of scorecards (default: scorecards/)")
    p.add_argument("--stage", help="only this stage's cards")
    p.add_argument("--out", help="folder for calibration.html and .json (default: reports/)")
    p.set_defaults(func=_calibration)

    p = sub.add_parser("interview", help="open the interviewer companion as an app (Voila)")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--lab", action="store_true", help="open it in JupyterLab instead")
    p.set_defaults(func=_interview)

    p = sub.add_parser("lab", help="start (or resume) a candidate's live JupyterLab session")
    p.add_argument("candidate", help="the candidate's id (their submission folder's name)")
    p.add_argument("--name", help="the candidate's name in the session (default: the id)")
    p.add_argument("--interviewer", help="your name in the session (default: Interviewer)")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: a free one)")
    p.add_argument("--unprotected", action="store_true",
                   help="start even where the candidate's kernel could read the course")
    p.set_defaults(func=_lab)

    p = sub.add_parser("sessions", help="list the live sessions on this machine")
    p.add_argument("--urls", action="store_true", help="also print each running session's URLs")
    p.set_defaults(func=_sessions)

    p = sub.add_parser("stop", help="stop a candidate's live session (its workspace is kept)")
    p.add_argument("candidate")
    p.set_defaults(func=_stop)

    p = sub.add_parser("submit", help="copy a live session's workspace into submitted/ and grade it")
    p.add_argument("candidate")
    p.set_defaults(func=_submit)
    return parser


def _show_progress(args: argparse.Namespace) -> None:
    """Progress (INFO) shows by default; -v adds DEBUG, -q keeps warnings and errors only."""
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(verb)s] %(message)s"))
    handler.addFilter(_verb_of_logger)
    package = logging.getLogger("mlscreen")
    package.handlers[:] = [handler]
    package.setLevel(level)
    package.propagate = False


def _verb_of_logger(record: logging.LogRecord) -> bool:
    """Name each line after the part of the kit that said it: `[build]`, `[grading]`, ..."""
    parts = record.name.split(".")
    record.verb = parts[1] if len(parts) > 1 else parts[0]
    return True


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mlscreen` console command."""
    args = _parser().parse_args(argv)
    _show_progress(args)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"mlscreen {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
