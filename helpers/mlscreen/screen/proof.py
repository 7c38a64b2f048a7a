"""Prove the source notebooks: every solution passes every test, and every untouched stub fails
every test, hidden tests included (so no test can be passed by doing nothing).

The notebooks run exactly as in grading: nbgrader's Execute is the sandbox's, so each hidden test
is judged by the checker outside the kernel and scored from the checker's verdicts."""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, ClearSolutions
from nbgrader.validator import Validator
from traitlets import List
from traitlets.config import Config

from ..course.cells import test_cells
from ..course.layout import NOTEBOOKS, Course
from ..course.settings import KERNEL_ARGUMENTS
from ..sandbox.execute import SandboxedExecute
from .materials import MATERIALS


class _CheckedValidator(Validator):
    """nbgrader's Validator with the grading Execute: jailed kernel, checker, verdicts enforced."""

    preprocessors = List([CheckCellMetadata, ClearOutput, SandboxedExecute])


def _validator_config(root: str) -> Config:
    config = Config()
    config.CourseDirectory.root = root  # where the course secret is
    config.Validator.validate_all = True
    # the same kernel start-up as autograde: the grading guard is loaded first
    config.Execute.extra_arguments = list(KERNEL_ARGUMENTS)
    config.Execute.timeout = 120
    return config


def _failed_sources(notebook: Path, root: str) -> set[str]:
    result = _CheckedValidator(config=_validator_config(root)).validate(str(notebook))
    return {entry["source"] for entry in result.get("failed", [])}


def _failed_in_scratch(nb: nbformat.NotebookNode, source_dir: str, name: str, root: str) -> set[str]:
    """Run `nb` beside a copy of the materials in a scratch folder (the grader's notes stay there)."""
    with tempfile.TemporaryDirectory() as scratch:
        for material in MATERIALS:
            target = Path(scratch) / material
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(source_dir) / material, target)
        path = Path(scratch) / f"{name}.ipynb"
        nbformat.write(nb, path)
        return _failed_sources(path, root)


def _prove_notebook(source_dir: str, name: str, root: str) -> list[str]:
    source = Path(source_dir) / f"{name}.ipynb"
    problems = []
    nb = nbformat.read(source, as_version=4)
    tests = {gid: cell.source for gid, cell in test_cells(nb).items()}
    failed = _failed_in_scratch(nb, source_dir, name, root)
    problems += [f"{name}: the solution fails test {gid}" for gid, src in tests.items() if src in failed]
    stub_nb, _ = ClearSolutions().preprocess(nbformat.read(source, as_version=4), {})
    failed = _failed_in_scratch(stub_nb, source_dir, name, root)
    problems += [f"{name}: the untouched stub passes test {gid}" for gid, src in tests.items() if src not in failed]
    return problems


def prove_source(course: Course, workers: int = 2) -> list[str]:
    """Every problem found in the source notebooks (empty when they are sound)."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(_prove_notebook, [str(course.source)] * len(NOTEBOOKS), NOTEBOOKS,
                           [str(course.root)] * len(NOTEBOOKS))
        return [problem for problems in results for problem in problems]
