"""Copied-answer flags: a copied reference solution and two candidates sharing answers are flagged,
the independent correct answers of the sample bank are not, and machinery is named; no grading."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import nbformat
import pytest

from mlscreen import Course
from mlscreen.grading.flags import ALIKE, MACHINERY, REFERENCE, cohort_flags, flag_lines, flags_for
from mlscreen.grading.machinery import machinery_uses
from mlscreen.grading.similarity import MIN_SHARED, THRESHOLD, compare, normalise, without_stub
from mlscreen.grading.submitted_code import WrittenCell, reference_answers, stub_answers
from mlscreen.screen.samples import load_samples

REPO = Path(__file__).resolve().parents[1]
COURSE = Course(REPO)
KEEP = frozenset({"load_data", "missing_report", "impute_median", "preprocess", "TicketClassifier",
                  "__init__", "predict", "predict_batch", "split_data", "build_pipeline", "evaluate",
                  "run_experiment"})


@pytest.fixture(scope="module")
def correct():
    """(notebook, answer) -> sample id -> code, for every independent correct sample."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for sample in load_samples(COURSE.samples):
        if sample.id.startswith("correct_"):
            for answer, code in sample.answers.items():
                found.setdefault((sample.notebook, answer), {})[sample.id] = code
    return found


def disguise(code: str, insert: bool = False) -> str:
    """What a copier does for free: rename every name the code binds, lay it out again (other
    quotes, no docstrings), comment it; with `insert`, also add a statement to every function."""
    tree = ast.parse(code)
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)} - {"self"}
    bound -= KEEP
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in bound:
            node.id = f"my_{node.id}"
        elif isinstance(node, ast.arg) and node.arg in bound:
            node.arg = f"my_{node.arg}"
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body.pop(0)  # the docstring
            if insert and isinstance(node, ast.FunctionDef):
                body.insert(min(1, len(body)), ast.parse("_checked = True").body[0])
            if not body:
                body.append(ast.Pass())
    lines = ast.unparse(tree).replace('"', "'").splitlines()
    return "\n".join(line + ("  # my own step" if i % 3 == 1 else "") for i, line in enumerate(lines)) + "\n"


def _cells(answers: dict[tuple[str, str], str]) -> list[WrittenCell]:
    return [WrittenCell(notebook, answer, i, code) for i, ((notebook, answer), code) in enumerate(answers.items())]


def _alike(flags, student):
    return {(f.notebook, f.answer, f.other) for f in flags[student] if f.kind == ALIKE}


def test_no_flag_among_the_independent_correct_answers_of_the_sample_bank(correct):
    samples = sorted({who for by_id in correct.values() for who in by_id})
    cohort = {who: _cells({key: by_id[who] for key, by_id in correct.items() if who in by_id}) for who in samples}
    flags = flags_for(COURSE, cohort)
    assert {who: flag_lines(found) for who, found in flags.items() if found} == {}
    assert len(samples) >= 12, "four correct samples per notebook"


def _scores(pairs, stubs):
    shares = {}
    for key, a, b in pairs:
        stub = normalise(stubs[key], KEEP)
        match = compare(without_stub(normalise(a, KEEP), stub), without_stub(normalise(b, KEEP), stub))
        shares[key[1], len(shares)] = match
    return shares


def test_the_threshold_sits_between_independent_answers_and_copies(correct):
    """The numbers `similarity`'s docstring quotes: independent correct answers (and the reference)
    pairwise stay below THRESHOLD wherever MIN_SHARED tokens match; disguised copies score above it."""
    stubs, references = stub_answers(COURSE), reference_answers(COURSE)
    independent = [(key, a, b) for key, by_id in correct.items()
                   for a, b in itertools.combinations([*by_id.values(), references[key]], 2)]
    copies = [(key, code, disguise(code, insert=True)) for key, by_id in correct.items()
              for code in [*by_id.values(), references[key]]]
    alike = _scores(independent, stubs)
    judged = [m.share for m in alike.values() if m.shared >= MIN_SHARED]
    copied = [m.share for m in _scores(copies, stubs).values()]
    print(f"independent: max share {max(judged):.2f} where {MIN_SHARED}+ tokens match "
          f"({len(judged)} of {len(alike)} pairs), max {max(m.share for m in alike.values()):.2f} overall; "
          f"disguised copies: min share {min(copied):.2f}")
    assert max(judged) < THRESHOLD - 0.05
    assert min(copied) > THRESHOLD + 0.05


def test_a_copied_reference_and_two_candidates_sharing_answers_are_flagged(correct, tmp_path):
    references = reference_answers(COURSE)
    picks = {"data_cleaning": "correct_csv_module_loops", "inference_pipeline": "correct_token_loops",
             "debug_classifier": "correct_make_pipeline_forest"}
    honest = {key: by_id[picks[key[0]]] for key, by_id in correct.items()}
    other = {key: by_id["correct_read_csv_options" if key[0] == "data_cleaning" else
                        "correct_pattern_table_pandas" if key[0] == "inference_pipeline" else
                        "correct_hist_gradient_boosting"] for key, by_id in correct.items()}
    cohort = {
        "copier": _cells({key: disguise(code) for key, code in references.items()}),
        "sharer-a": _cells(honest),
        "sharer-b": _cells({key: disguise(code, insert=True) for key, code in honest.items()}),
        "honest": _cells(other),
    }
    flags = flags_for(COURSE, cohort)
    copied = {(nb, answer) for nb, answer, who in _alike(flags, "copier") if who == REFERENCE}
    assert {("data_cleaning", "load_data"), ("inference_pipeline", "preprocess"),
            ("inference_pipeline", "TicketClassifier")} <= copied, copied
    shared = {(nb, answer) for nb, answer, who in _alike(flags, "sharer-a") if who == "sharer-b"}
    assert {k for k in honest if len(honest[k]) > 400} <= shared, "every long answer they share"
    assert {(nb, answer) for nb, answer, who in _alike(flags, "sharer-b") if who == "sharer-a"} == shared
    assert not flags["honest"], flag_lines(flags["honest"])
    assert not [f for f in flags["sharer-a"] if f.other not in ("sharer-b",)], "only each other"
    pair = next(f for f in flags["copier"] if f.answer == "load_data")
    assert pair.theirs == references[("data_cleaning", "load_data")] and "my_" in pair.mine
    assert pair.mine_lines and pair.theirs_lines, "the lines they share, for the side-by-side view"
    lines = flag_lines(flags["sharer-b"])
    assert any(line.startswith("data_cleaning/load_data: alike sharer-a's answer (") for line in lines), lines


def _submit(course: Course, student: str, answers: dict[str, str], added: str | None = None) -> None:
    folder = course.submitted(student)
    folder.mkdir(parents=True)
    for name in ("data_cleaning",):
        nb = nbformat.read(course.notebook(course.source, name), as_version=4)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell.source = answers[gid]
        if added:
            nb.cells.insert(3, nbformat.v4.new_code_cell(added))
        nbformat.write(nb, course.notebook(folder, name))


def test_flags_are_read_from_the_submitted_notebooks(course_copy, correct):
    answers = {answer: by_id["correct_csv_module_loops"] for (nb, answer), by_id in correct.items()
               if nb == "data_cleaning"}
    _submit(course_copy, "ann", answers)
    _submit(course_copy, "ben", {k: disguise(v) for k, v in answers.items()},
            added="import inspect\nframe = inspect.currentframe().f_back\n")
    flags = cohort_flags(course_copy, ["ann", "ben"])
    assert ("data_cleaning", "load_data", "ben") in _alike(flags, "ann")
    machinery = [f for f in flags["ben"] if f.kind == MACHINERY]
    assert len(machinery) == 1 and "inspects stack frames" in machinery[0].reason
    assert "in a cell added after it" in machinery[0].reason


@pytest.mark.parametrize("code, expected", [
    ("import sys\ndef load_data(path):\n    return sys._getframe(1).f_locals['_expected']", "stack frames"),
    ("import gc\nobjs = gc.get_objects()", "garbage collector"),
    ("import ctypes", "raw memory"),
    ("import __main__\n__main__.assert_frame_equal = print", "__main__"),
    ("import numpy as np\nnp.allclose = lambda *a, **k: True", "patches modules: numpy.allclose"),
    ("import builtins\nbuiltins.isinstance = lambda *a: True", "builtins"),
    ("setattr(pd.testing, 'assert_frame_equal', print)", "patches modules"),
    ("globals()['sorted'] = lambda x: x", "globals()"),
    ("open('/work/course/gradebook.db').read()", "grading files"),
    ("open('../../source/coding/data_cleaning.ipynb')", "grading files"),
    ("pd.read_csv('/etc/passwd')", "paths outside its folder"),
    ("import mlscreen.kernel.testkit as tk", "kit's own package"),
    ("from mlscreen.kernel import testkit", "kit's own package"),
    ("get_ipython().user_ns['x'] = 1", "shell"),
    ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)", "signal"),
    ("import os\nos._exit(0)", "kills the kernel"),
])
def test_machinery_is_named(code, expected):
    found = machinery_uses(code)
    assert any(expected in reason for reason in found), found


@pytest.mark.parametrize("code", [
    "import re\nimport pandas as pd\ndef load_data(path):\n    return pd.read_csv(path, na_values=['N/A', '?', '-'])",
    "pd.options.mode.copy_on_write = True",
    "import warnings\nwarnings.filterwarnings('ignore')",
    "text = re.sub(r'https?://\\S+', '<url>', text)",
    "parts = path.split('/')",
    "self.model = joblib.load(model_path)",
])
def test_ordinary_code_is_not_machinery(code):
    assert machinery_uses(code) == []
