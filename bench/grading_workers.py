"""Benchmark: one cohort graded by `mlscreen grade` with different worker counts, side by side.

Run from the course root with the venv's Python:
    .venv/bin/python bench/grading_workers.py [COUNTS] [--bank N] [--ordered]
COUNTS is a comma-separated list of local worker counts (default `1,2`); the cohort is the demo's
(6 candidates) or, with `--bank N`, N candidates from the sample bank as in `grading_engine.py`.
Each count grades the same submissions afresh (forced, with no earlier grading to order the
candidates by); it prints each wall-clock time until the last candidate was recorded, its ratio
to the first count's, the cells' own execution time, and whether every answer's score is the same
as with the first count. With `--ordered`, each count after the first keeps the grading before
it, so `mlscreen grade` hands out the longest candidates first (`2,2 --ordered`: the order's gain).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cohort import answer_scores_of, bank_course, cells_seconds, demo_course, timed_grade  # noqa: E402

from mlscreen.kernel.testkit import CALL_LIMIT_SECONDS, CELL_LIMIT_SECONDS  # noqa: E402


def _counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("worker counts are positive integers, e.g. 2,4")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="?", type=_counts, default=[1, 2], help="worker counts, e.g. 2,4")
    parser.add_argument("--bank", type=int, metavar="N", help="N candidates from the sample bank")
    parser.add_argument("--ordered", action="store_true",
                        help="after the first count, order candidates by the grading before")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="mlscreen-bench-"))
    try:
        course, notebooks = bank_course(scratch, args.bank) if args.bank else demo_course(scratch)
        students = course.submitted_students()
        rows, first = [], None
        for workers in args.counts:
            if not (args.ordered and rows):  # afresh: no earlier times to order the candidates by
                shutil.rmtree(course.autograded(), ignore_errors=True)
            _, seconds, _ = timed_grade(course, workers)
            scores = answer_scores_of(course, students)
            first = first or (seconds, scores)
            rows.append((workers, seconds, cells_seconds(course, students), scores == first[1]))
            print(f"workers={workers}: {seconds:.1f} s", flush=True)
        print(f"\n{len(students)} candidates, {notebooks} notebooks, {os.cpu_count()} cores")
        print(f"time limits: {CALL_LIMIT_SECONDS:g} s a call, {CELL_LIMIT_SECONDS:g} s a cell")
        for workers, seconds, cells, same in rows:
            print(f"{workers:2d} worker(s) {seconds:7.1f} s   {first[0] / seconds:.2f}x   cells {cells:6.1f} s   "
                  f"every score as with {args.counts[0]}: {'yes' if same else 'NO'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="[%(name)s] %(message)s")
    main()
