"""Shared fixtures: a private copy of the course, built once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlscreen import Course
from mlscreen.bank import load_bank

REPO = Path(__file__).resolve().parents[1]

# As `make test` does: the venv's tools first on PATH (nbgrader creates a gradebook with `alembic`).
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def copy_course(target: Path) -> Course:
    """A copy of the repository's course files (no outputs) in `target`."""
    return Course(REPO).copy_to(target)


@dataclass(frozen=True)
class DemoRun:
    """What `mlscreen demo` did in a fresh course copy."""

    course: Course
    returncode: int
    stdout: str
    stderr: str
    reports: Path  # a copy of `reports/` as the demo left it (later tests write reports there too)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """`mlscreen demo`, as `make demo` runs it, in a fresh course copy: it builds the screen (the
    proof of the source included), submits the sample cohort, grades it and writes the report.
    The integration tests share the built course it leaves, so the build runs once."""
    course = copy_course(tmp_path_factory.mktemp("course"))
    command = [str(Path(sys.executable).parent / "mlscreen"), "demo"]
    env = {key: value for key, value in os.environ.items() if key != "MLSCREEN_ROOT"}
    done = subprocess.run(command, cwd=course.root, env=env, capture_output=True, text=True, timeout=1800)
    reports = course.root.parent / "demo-reports"
    if course.reports.is_dir():
        shutil.copytree(course.reports, reports)
    return DemoRun(course, done.returncode, done.stdout, done.stderr, reports)


@pytest.fixture(scope="session")
def built_course(demo_run) -> Course:
    """A course copy on which `mlscreen build` ran (proof of the source included), by the demo
    (its cohort is submitted and graded there too; tests name the candidates they grade)."""
    if demo_run.returncode != 0:
        pytest.fail(f"mlscreen demo failed in {demo_run.course.root}:\n{demo_run.stderr[-4000:]}")
    return demo_run.course


@pytest.fixture
def course_copy(tmp_path) -> Course:
    """A fresh, unbuilt course copy for tests that change files."""
    return copy_course(tmp_path / "course")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def bank():
    """The question bank as shipped."""
    return load_bank()
