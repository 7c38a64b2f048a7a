"""What a notebook cell is to nbgrader (a test, an answer), through nbgrader's own helpers."""

from __future__ import annotations

import nbformat
from nbgrader.utils import is_grade, is_solution


def grade_id(cell: nbformat.NotebookNode) -> str | None:
    """The cell's nbgrader id, or None for a cell nbgrader does not track."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_test_cell(cell: nbformat.NotebookNode) -> bool:
    """An autograded test cell: a graded code cell."""
    return cell.cell_type == "code" and is_grade(cell)


def is_answer_cell(cell: nbformat.NotebookNode) -> bool:
    """An autograded answer cell: a code cell the candidate writes."""
    return cell.cell_type == "code" and is_solution(cell)


def test_cells(nb: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Every test cell of `nb` by its grade id, in notebook order."""
    return {grade_id(cell): cell for cell in nb.cells if is_test_cell(cell)}


def cell_index(nb: nbformat.NotebookNode, wanted: str) -> int:
    """The position of the cell whose grade id is `wanted`; ValueError if there is none."""
    for index, cell in enumerate(nb.cells):
        if grade_id(cell) == wanted:
            return index
    raise ValueError(f"the notebook has no cell {wanted!r}")
