"""What a candidate wrote, as code: answer cells by their nbgrader grade id, the cells they added,
and the kit's own versions of each answer (the stub candidates are given and the reference
solution). Read from the notebooks themselves (`submitted/`, `source/`), never from the gradebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearSolutions

from ..course.cells import grade_id, is_answer_cell, is_test_cell
from ..course.layout import NOTEBOOKS, Course

_MARKERS = re.compile(r"^[ \t]*### (?:BEGIN|END) SOLUTION[ \t]*\n?", re.M)


@dataclass(frozen=True)
class WrittenCell:
    """A code cell the candidate wrote: an answer cell (`answer` is its grade id) or a cell they
    added (`answer` is the answer cell above it, `added` True). `index` is its place in the notebook."""

    notebook: str
    answer: str
    index: int
    source: str
    added: bool = False

    @property
    def where(self) -> str:
        return f"a cell added after {self.answer}" if self.added else self.answer


def _read(path: Path) -> nbformat.NotebookNode | None:
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - unreadable notebooks are the grading summary's business
        return None


def written_cells(notebook_path: Path) -> list[WrittenCell]:
    """Every code cell the candidate wrote in one notebook ([] if it is missing or unreadable).

    Cells nbgrader locks (the given imports and constants) and test cells are left out: nbgrader
    puts its own versions of those back before grading."""
    nb = _read(notebook_path) if notebook_path.is_file() else None
    if nb is None:
        return []
    cells, above = [], "the first answer"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_test_cell(cell):
            continue
        if is_answer_cell(cell) and grade_id(cell):
            above = grade_id(cell)
            cells.append(WrittenCell(notebook_path.stem, above, index, cell.source))
        elif "nbgrader" not in cell.metadata and cell.source.strip():
            cells.append(WrittenCell(notebook_path.stem, above, index, cell.source, added=True))
    return cells


def answer_code(notebook_path: Path) -> dict[str, str]:
    """The code of each answer cell of a submitted notebook, by grade id ({} if unreadable)."""
    return {c.answer: c.source for c in written_cells(notebook_path) if not c.added}


def _answer_cells(nb: nbformat.NotebookNode) -> dict[str, str]:
    return {grade_id(c): c.source for c in nb.cells if is_answer_cell(c) and grade_id(c)}


def _source_notebook(course: Course, name: str) -> nbformat.NotebookNode:
    path = course.notebook(course.source, name)
    nb = _read(path)
    if nb is None:
        raise FileNotFoundError(f"cannot read the source notebook {path}")
    return nb


def reference_answers(course: Course) -> dict[tuple[str, str], str]:
    """(notebook, answer) -> the source notebook's solution, as a candidate copying it would paste it."""
    return {
        (name, answer): _MARKERS.sub("", code)
        for name in NOTEBOOKS
        for answer, code in _answer_cells(_source_notebook(course, name)).items()
    }


def stub_answers(course: Course) -> dict[tuple[str, str], str]:
    """(notebook, answer) -> the stub every candidate is given: the source notebook with its
    solutions cleared by nbgrader's own ClearSolutions, as `generate_assignment` clears them."""
    stubs = {}
    for name in NOTEBOOKS:
        nb, _ = ClearSolutions().preprocess(_source_notebook(course, name), {})
        stubs.update({(name, answer): code for answer, code in _answer_cells(nb).items()})
    return stubs
