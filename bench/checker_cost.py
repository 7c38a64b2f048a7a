"""Benchmark: the tests' run time before and after the checker, side by side, in one run.

Run from the course root with the venv's Python:  .venv/bin/python bench/checker_cost.py [REF]
REF (default: the commit before the checker was added) is exported to a scratch folder; each
tree then grades its own source notebooks (the model solutions) with its own package, sandbox
off (the same for both, so only the tests differ), ROUNDS times, in a child process. It prints,
per notebook, the median wall-clock time of the whole notebook and of its test cells alone.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from datetime import datetime
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 3
NOTEBOOKS = ("data_cleaning", "inference_pipeline", "debug_classifier")


def _seconds(cell) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    return (datetime.fromisoformat(end.replace("Z", "+00:00"))
            - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()


def _child(tree: Path) -> None:
    """Grade `tree`'s source notebooks with `tree`'s own package (this process imports it)."""
    import time

    import nbformat
    from traitlets.config import Config

    from mlscreen.course import Course
    from mlscreen.course.settings import KERNEL_ARGUMENTS
    from mlscreen.sandbox.execute import SandboxedExecute
    from mlscreen.screen.build import build_source_notebooks
    from mlscreen.screen.materials import write_materials

    scratch = Path(tempfile.mkdtemp(prefix="mlscreen-bench-"))
    course = Course(tree).copy_to(scratch / "course")
    build_source_notebooks(course)
    write_materials(course.source)
    try:
        from mlscreen.checking import make_secret
        make_secret(course.root)
    except ImportError:  # the tree before the checker
        pass
    config = Config()
    config.CourseDirectory.root = str(course.root)
    config.Execute.extra_arguments = list(KERNEL_ARGUMENTS)
    results = {}
    for name in NOTEBOOKS:
        walls, tests = [], []
        for _ in range(ROUNDS):
            nb = nbformat.read(course.notebook(course.source, name), as_version=4)
            resources = {"metadata": {"path": str(course.source)}, "unique_key": f"bench-{name}",
                         "nbgrader": {"student": "bench", "assignment": "coding", "notebook": name}}
            start = time.perf_counter()
            SandboxedExecute(config=config).preprocess(nb, resources)
            walls.append(time.perf_counter() - start)
            graded = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
            failed = [c.metadata.nbgrader.grade_id for c in graded
                      if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
            assert not failed, f"{name}: the solution fails {failed}"
            tests.append(sum(_seconds(c) for c in graded))
        results[name] = {"wall": statistics.median(walls), "tests": statistics.median(tests)}
    print(json.dumps(results))


def _export(ref: str, target: Path) -> Path:
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def _before_checker() -> str:
    added = subprocess.run(["git", "log", "-n1", "--diff-filter=A", "--format=%H", "--",
                            "helpers/mlscreen/checking/checker.py"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.strip()
    return f"{added}^"


def _run(tree: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree / "helpers"), MLSCREEN_SANDBOX="off")
    out = subprocess.run([sys.executable, __file__, "--child", str(tree)], env=env, cwd=tree,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ref = sys.argv[1] if len(sys.argv) > 1 else _before_checker()
    with tempfile.TemporaryDirectory(prefix="mlscreen-bench-") as scratch:
        before, after = _run(_export(ref, Path(scratch) / "before")), _run(ROOT)
    print(f"median of {ROUNDS} rounds, sandbox off for both; before = {ref}")
    print(f"{'notebook':<20}{'tests before':>14}{'tests after':>13}{'ratio':>7}"
          f"{'notebook before':>17}{'notebook after':>16}{'ratio':>7}")
    for name in NOTEBOOKS:
        b, a = before[name], after[name]
        print(f"{name:<20}{b['tests']:>13.2f}s{a['tests']:>12.2f}s{a['tests'] / b['tests']:>7.2f}"
              f"{b['wall']:>16.2f}s{a['wall']:>15.2f}s{a['wall'] / b['wall']:>7.2f}")
    total_b = sum(v["tests"] for v in before.values())
    total_a = sum(v["tests"] for v in after.values())
    print(f"{'all test cells':<20}{total_b:>13.2f}s{total_a:>12.2f}s{total_a / total_b:>7.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]))
    else:
        main()
