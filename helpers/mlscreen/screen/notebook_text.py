"""Build nbgrader notebooks from plain text, so a diff of a prompt or a test reads like code.

The text is a percent-format script. Each cell starts with a header line:

    # %% [markdown]                      a plain markdown cell
    # %%                                 a plain, editable code cell
    # %% readonly id=setup               a locked cell (read-only constants, data, the broken code)
    # %% answer id=load_data             an autograded answer cell (solution regions inside)
    # %% tests id=load_data__markers points=2      a locked, graded test cell
    # %% [markdown] manual id=bugs points=3        a manually graded written answer

Markdown lines drop their leading `# `. Ids name nbgrader's `grade_id`; test ids are
`<answer name>__<aspect>`, which is how grades are traced back to answer names.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

_HEADER = re.compile(r"^# %%(?P<markdown> \[markdown\])?(?P<options>.*)$")
_ROLES = ("readonly", "answer", "tests", "manual")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _parse_options(text: str, line_no: int) -> tuple[str | None, dict[str, str]]:
    role, options = None, {}
    for token in text.split():
        if "=" in token:
            key, value = token.split("=", 1)
            options[key] = value
        elif token in _ROLES and role is None:
            role = token
        else:
            raise ValueError(f"line {line_no}: unknown cell option {token!r}")
    if role and "id" not in options:
        raise ValueError(f"line {line_no}: a {role} cell needs id=...")
    return role, options


def _nbgrader_meta(role: str | None, options: dict[str, str], markdown: bool) -> dict | None:
    if role is None:
        return None
    meta = {
        "grade": role in ("tests", "manual"),
        "grade_id": options["id"],
        "locked": role in ("readonly", "tests"),
        "schema_version": 3,
        "solution": role in ("answer", "manual"),
        "task": False,
    }
    if meta["grade"]:
        meta["points"] = int(options.get("points", 1))
    if role == "answer" and markdown:
        raise ValueError(f"answer cell {options['id']} must be code; use `manual` for prose")
    return meta


def _markdown_source(lines: list[str]) -> str:
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines)


def notebook_from_text(text: str) -> nbformat.NotebookNode:
    """Parse the percent-format text into a notebook with nbgrader metadata and no outputs."""
    cells: list[tuple[bool, str | None, dict[str, str], list[str], int]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            role, options = _parse_options(header["options"], line_no)
            cells.append((bool(header["markdown"]), role, options, [], line_no))
        elif cells:
            cells[-1][3].append(line)
        elif line.strip():
            raise ValueError(f"line {line_no}: text before the first `# %%` cell header")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for markdown, role, options, lines, _ in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        source = _markdown_source(lines) if markdown else "\n".join(lines)
        cell = nbformat.v4.new_markdown_cell(source) if markdown else nbformat.v4.new_code_cell(source)
        cell.pop("id", None)
        meta = _nbgrader_meta(role, options, markdown)
        if meta:
            cell.metadata["nbgrader"] = meta
            if meta["locked"]:
                cell.metadata["editable"] = False
                cell.metadata["deletable"] = False
        nb.cells.append(cell)
    _check_unique_ids(nb)
    return nb


def _check_unique_ids(nb: nbformat.NotebookNode) -> None:
    seen: set[str] = set()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in seen:
            raise ValueError(f"duplicate cell id {grade_id!r}")
        if grade_id:
            seen.add(grade_id)


def render(nb: nbformat.NotebookNode) -> str:
    """The notebook's file content: stable cell ids and formatting, so rebuilds are byte-equal."""
    nb = nbformat.from_dict(nb)
    for index, cell in enumerate(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell["id"] = (grade_id or f"cell-{index}").replace("_", "-")
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nbformat.writes(nb) + "\n"


def build_notebook(text_path: Path, ipynb_path: Path) -> bool:
    """Write the notebook built from `text_path`; return True if the file changed."""
    content = render(notebook_from_text(text_path.read_text(encoding="utf-8")))
    if ipynb_path.exists() and ipynb_path.read_text(encoding="utf-8") == content:
        return False
    ipynb_path.parent.mkdir(parents=True, exist_ok=True)
    ipynb_path.write_text(content, encoding="utf-8")
    return True
