"""Benchmark: grading the demo cohort with the sandbox off and on, side by side, in one run.

Run from the course root with the venv's Python:  .venv/bin/python bench/sandbox_cost.py
Both runs grade the same submissions with two workers (forced); it prints the times, their
ratio, and whether every score matches.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cohort import demo_course  # noqa: E402

from mlscreen.grading import grade_batch  # noqa: E402
from mlscreen.sandbox.policy import detect  # noqa: E402


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="mlscreen-bench-"))
    try:
        course, notebooks = demo_course(scratch)
        timings, scores = {}, {}
        for mode in ("off", "on"):
            os.environ["MLSCREEN_SANDBOX"] = mode
            start = time.perf_counter()
            summary = grade_batch(course=course, force=True)
            timings[mode] = time.perf_counter() - start
            scores[mode] = {(r.student, a.notebook, a.answer): a.score for r in summary.results for a in r.answers}
        print(f"\n{notebooks} notebooks; sandbox on: {detect().summary()}")
        for mode in ("off", "on"):
            print(f"sandbox {mode:3}: {timings[mode]:6.1f} s  ({timings[mode] / notebooks:.2f} s per notebook)")
        print(f"cost     : {timings['on'] / timings['off']:.2f}x the time without the sandbox")
        print(f"scores   : {'identical' if scores['on'] == scores['off'] else 'DIFFERENT'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
