"""Benchmark: plain sequential `nbgrader autograde`, `mlscreen grade` and the floor, side by side.

Run from the course root with the venv's Python:  .venv/bin/python bench/grading_engine.py [N]
It builds a private copy of the course, submits a cohort of N candidates (default 24) drawn
from the sample bank (candidate i takes sample i of each notebook, cycling; samples meant to
be unreadable or to fail are left out so that both ways grade every notebook), grades it
  1. by plain `nbgrader autograde coding --force` (one process, one notebook after another),
  2. by `mlscreen grade --force` (the engine on a local Dask cluster, one worker per core),
and prints the wall-clock times, the floor (the cells' own execution time, from nbclient's
timing metadata in the autograded notebooks, the lower of the two runs, divided by the cores),
the ratios, and whether every answer's score is the same both ways. The time limits in effect
come from MLSCREEN_CALL_LIMIT and MLSCREEN_CELL_LIMIT, as in any grading run.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cohort import answer_scores_of, bank_course, cells_seconds, timed_grade  # noqa: E402

from mlscreen.course.nbgrader_run import run_nbgrader  # noqa: E402
from mlscreen.kernel.testkit import CALL_LIMIT_SECONDS, CELL_LIMIT_SECONDS  # noqa: E402


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    cores = os.cpu_count() or 1
    scratch = Path(tempfile.mkdtemp(prefix="mlscreen-bench-"))
    try:
        course, notebooks = bank_course(scratch, size)
        students = course.submitted_students()

        start = time.perf_counter()
        code, lines = run_nbgrader(course, "autograde", course.assignment, "--force")
        plain = time.perf_counter() - start
        if code != 0:
            print("\n".join(lines[-30:]))
        plain_scores, plain_cells = answer_scores_of(course, students), cells_seconds(course, students)
        shutil.rmtree(course.autograded())  # the engine grades afresh: no earlier times to order by

        summary, engine, whole = timed_grade(course)
        kit_scores, kit_cells = answer_scores_of(course, students), cells_seconds(course, students)

        # the stricter floor: the lower of the two runs' cells (forked kernels import less in cells)
        floor = min(plain_cells, kit_cells) / cores
        same = plain_scores == kit_scores and len(plain_scores) > 0
        differ = sorted(k for k in plain_scores.keys() | kit_scores.keys()
                        if plain_scores.get(k) != kit_scores.get(k))
        print(f"\n{len(students)} candidates, {notebooks} notebooks, {cores} cores, "
              f"{sum(r.status == 'graded' for r in summary.results)} graded by mlscreen")
        print(f"time limits: {CALL_LIMIT_SECONDS:g} s a call, {CELL_LIMIT_SECONDS:g} s a cell "
              "(MLSCREEN_CALL_LIMIT, MLSCREEN_CELL_LIMIT)")
        print(f"cells' own execution: {plain_cells:.1f} s (plain run), {kit_cells:.1f} s (mlscreen run)")
        print(f"{'plain sequential nbgrader autograde':40s} {plain:7.1f} s   1.00x")
        print(f"{'mlscreen grade, autograding (engine)':40s} {engine:7.1f} s   {plain / engine:.2f}x faster"
              f"   {engine / floor:.2f}x the floor")
        print(f"{'mlscreen grade, whole command':40s} {whole:7.1f} s   {plain / whole:.2f}x faster"
              "   (with feedback, flags, tables)")
        print(f"{'floor (the fewer cells / cores)':40s} {floor:7.1f} s   {plain / floor:.2f}x under plain")
        print(f"every score the same: {'yes' if same else 'NO'} ({len(plain_scores)} answer scores"
              + (f"; differ: {differ[:5]}" if differ else "") + ")")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="[%(name)s] %(message)s")
    main()
