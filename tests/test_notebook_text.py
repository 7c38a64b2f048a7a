"""The plain-text notebook format: roles become nbgrader metadata; bad headers are refused."""

import re
from pathlib import Path

import nbformat
import pytest

from mlscreen.screen.notebook_text import notebook_from_text, render

TEXT = """# %% [markdown]
# # Title
# Some *prose*.

# %% readonly id=setup
DATA = "x.csv"

# %% answer id=double
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% tests id=double__visible points=2
assert double(2) == 4

# %% [markdown] manual id=why points=3
Explain.

# %%
scratch = 1
"""


def test_roles_become_nbgrader_metadata():
    nb = notebook_from_text(TEXT)
    kinds = [(c.cell_type, c.metadata.get("nbgrader", {})) for c in nb.cells]
    assert kinds[0] == ("markdown", {})
    assert nb.cells[0].source == "# Title\nSome *prose*."
    setup, answer, test, manual = (k[1] for k in kinds[1:5])
    assert setup["locked"] and not setup["grade"] and not setup["solution"]
    assert answer["solution"] and not answer["grade"] and not answer["locked"]
    assert test["grade"] and test["locked"] and test["points"] == 2 and test["grade_id"] == "double__visible"
    assert manual["solution"] and manual["grade"] and manual["points"] == 3 and kinds[4][0] == "markdown"
    assert kinds[5] == ("code", {}) and nb.cells[5].source == "scratch = 1"
    assert nb.cells[1].metadata["editable"] is False


def test_rendering_is_stable():
    assert render(notebook_from_text(TEXT)) == render(notebook_from_text(TEXT))


@pytest.mark.parametrize(
    "text, message",
    [
        ("# %% answer\nx = 1\n", "needs id="),
        ("# %% frobnicate id=x\n", "unknown cell option"),
        ("x = 1\n# %%\n", "before the first"),
        ("# %% [markdown] answer id=a\ntext\n", "must be code"),
        ("# %% tests id=t\n1\n# %% tests id=t\n2\n", "duplicate cell id"),
    ],
)
def test_bad_text_is_refused_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        notebook_from_text(text)


def test_the_readme_gives_the_points_and_answers_the_source_notebooks_have():
    repo = Path(__file__).resolve().parents[1]
    rows = re.findall(r"^\| `(\w+)\.ipynb` \| (.+?) \| (\d+)(?: \+ (\d+))? \|$",
                      (repo / "README.md").read_text(encoding="utf-8"), re.M)
    assert [name for name, *_ in rows] == ["data_cleaning", "inference_pipeline", "debug_classifier"]
    for name, answers, tests, written in rows:
        nb = nbformat.read(repo / "source" / "coding" / f"{name}.ipynb", as_version=4)
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert sum(c.metadata["nbgrader"]["points"] for c in graded if c.cell_type == "code") == int(tests)
        assert sum(c.metadata["nbgrader"]["points"] for c in graded if c.cell_type == "markdown") == int(written or 0)
        named = re.findall(r"`(\w+)`", answers)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
        assert named == ids, name
