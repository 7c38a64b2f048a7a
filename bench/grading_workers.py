"""Benchmark: grading the demo cohort with one nbgrader process against two, side by side.

Run from the course root with the venv's Python:  .venv/bin/python bench/grading_workers.py
It builds a private copy of the course, submits the demo cohort, grades it with 1 worker and then
with 2 (both forced, same submissions), and prints the wall-clock times and their ratio.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cohort import demo_course  # noqa: E402

from mlscreen.grading import grade_batch  # noqa: E402


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="mlscreen-bench-"))
    try:
        course, notebooks = demo_course(scratch)
        timings = {}
        for workers in (1, 2):
            start = time.perf_counter()
            summary = grade_batch(course=course, force=True, workers=workers)
            timings[workers] = time.perf_counter() - start
            scores = {r.student: r.score for r in summary.results}
            print(f"workers={workers}: {timings[workers]:.1f} s  scores={scores}")
        print(f"\n{len(summary.results)} candidates, {notebooks} notebooks")
        print(f"1 worker : {timings[1]:6.1f} s  ({timings[1] / notebooks:.2f} s per notebook)")
        print(f"2 workers: {timings[2]:6.1f} s  ({timings[2] / notebooks:.2f} s per notebook)")
        print(f"speed-up : {timings[1] / timings[2]:.2f}x")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
