"""Shared fixtures: a private copy of the course, built once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from mlscreen import Course
from mlscreen.bank import load_bank
from mlscreen.screen.build import build

REPO = Path(__file__).resolve().parents[1]

# As `make test` does: the venv's tools first on PATH (nbgrader creates a gradebook with `alembic`).
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def copy_course(target: Path) -> Course:
    """A copy of the repository's course files (no outputs) in `target`."""
    return Course(REPO).copy_to(target)


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> Course:
    """A course copy on which `mlscreen build` ran (proof of the source included)."""
    course = copy_course(tmp_path_factory.mktemp("course"))
    build(course=course)
    return course


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
