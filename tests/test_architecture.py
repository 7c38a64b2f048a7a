"""The package's architecture holds: import-linter's contracts, ruff, module size and docstrings."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "helpers" / "mlscreen"
BIN = Path(sys.executable).parent
# modules allowed past ~400 lines because they are one cohesive thing
LONG_BUT_COHESIVE: set[str] = set()


def test_import_contracts_hold():
    result = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "Contracts: 3 kept" in result.stdout, result.stdout


def test_ruff_passes():
    result = subprocess.run([str(BIN / "ruff"), "check", "helpers", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_says_what_it_is_for():
    undocumented = [str(p.relative_to(PACKAGE)) for p in _modules() if not ast.get_docstring(ast.parse(p.read_text()))]
    assert not undocumented


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in _modules()
            if (n := len(p.read_text().splitlines())) > 400 and str(p.relative_to(PACKAGE)) not in LONG_BUT_COHESIVE}
    assert not long


def test_one_subpackage_per_capability():
    wanted = {"course", "kernel", "screen", "grading", "bank", "interview", "common", "sandbox",
              "session", "checking"}
    have = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert have == wanted
    loose = {p.name for p in PACKAGE.glob("*.py")} - {"__init__.py", "cli.py", "demo.py"}
    assert not loose, "top-level modules besides the CLI and the demo belong in a subpackage"


def test_every_folder_of_the_course_layout_is_in_the_repository():
    """A fresh clone has each top-level folder of the design (step folders keep a README)."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {line.split("/", 1)[0] for line in tracked.splitlines() if "/" in line}
    for folder in ("helpers", "notebooks", "source", "release", "submitted", "autograded", "feedback",
                   "tests", "samples", "authoring", "bench"):
        assert folder in folders, folder
