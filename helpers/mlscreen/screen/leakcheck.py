"""Prove that nothing secret reached `release/`: no solution, hidden test, mark scheme or stray file."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from ..course.layout import NOTEBOOKS, Course
from .materials import MATERIALS

SECRET_MARKERS = (
    "BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
    "BEGIN MARK SCHEME", "END MARK SCHEME",
)
_REGION = re.compile(
    r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(?P<body>.*?)### END \1"
    r"|=== BEGIN MARK SCHEME ===\n(?P<scheme>.*?)=== END MARK SCHEME ===",
    re.DOTALL,
)
_MIN_LINE = 24  # shorter lines (`return result`, `import re`) say nothing about an answer


def allowed_release_files() -> set[str]:
    """Every file the candidate is meant to receive, relative to `release/<assignment>/`."""
    return {f"{name}.ipynb" for name in NOTEBOOKS} | set(MATERIALS)


def _split_lines(source_notebook: Path) -> tuple[set[str], set[str]]:
    """The lines inside secret regions of a source notebook, and the lines outside them."""
    nb = nbformat.read(source_notebook, as_version=4)
    secret, public = set(), set()
    for cell in nb.cells:
        text = cell.source
        for match in _REGION.finditer(text):
            body = match["body"] if match["body"] is not None else match["scheme"]
            secret.update(line.strip() for line in body.splitlines())
        public.update(line.strip() for line in _REGION.sub("", text).splitlines())
    return secret, public


def secret_lines(source_notebooks: list[Path]) -> set[str]:
    """Distinctive lines that appear only inside secret regions of the source notebooks."""
    secret, public = set(), set()
    for notebook in source_notebooks:
        inside, outside = _split_lines(notebook)
        secret |= inside
        public |= outside
    return {line for line in secret - public if len(line) >= _MIN_LINE}


def find_leaks(course: Course) -> list[str]:
    """One message per leak found in the release folder (empty when the release is clean)."""
    release = course.release
    if not release.is_dir():
        return [f"{release} does not exist: build the release first"]
    leaks = []
    present = {str(p.relative_to(release)) for p in release.rglob("*") if p.is_file()}
    for extra in sorted(present - allowed_release_files()):
        leaks.append(f"unexpected file in the release: {extra}")
    sources = [course.notebook(course.source, name) for name in NOTEBOOKS]
    secrets = secret_lines([path for path in sources if path.exists()])
    for relative in sorted(present):
        path = release / relative
        if path.suffix not in (".ipynb", ".py", ".md", ".txt", ".csv", ".json"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for marker in SECRET_MARKERS:
            if marker in text:
                leaks.append(f"{relative}: contains the marker {marker!r}")
        if path.suffix == ".ipynb":
            cells = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
            lines = {line.strip() for line in cells.splitlines()}
            for line in sorted(lines & secrets):
                leaks.append(f"{relative}: contains a solution or hidden-test line: {line[:80]!r}")
    return leaks
