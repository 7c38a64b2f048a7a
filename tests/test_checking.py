"""The checker: seeds from the course secret, cases that hold every behaviour, the socket protocol,
verdicts the grader enforces, and a jailed kernel that can read neither the secret nor the truth."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from mlscreen.checking import (
    NOT_CONFIRMED,
    PLANS,
    Checker,
    case_seed,
    make_case,
    make_secret,
    read_secret,
)
from mlscreen.checking.plans import Context
from mlscreen.course.settings import KERNEL_ARGUMENTS
from mlscreen.sandbox.execute import SandboxedExecute
from mlscreen.sandbox.policy import detect

ROOT = Path(__file__).resolve().parents[1]
MATERIALS = ROOT / "source" / "coding"
SECRET = b"0123456789abcdef" * 4


def test_the_course_secret_is_random_grader_only_and_kept(tmp_path):
    path = make_secret(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    first = read_secret(tmp_path)
    make_secret(tmp_path)
    assert read_secret(tmp_path) == first, "a rebuild keeps the secret (a regrade keeps the grade)"
    (tmp_path / "other").mkdir()
    assert read_secret(make_secret(tmp_path / "other").parents[1]) != first


def test_seeds_are_the_same_on_a_regrade_and_differ_across_candidates_tests_and_courses():
    seed = case_seed(SECRET, "alice", "load_data__markers", 0)
    assert seed == case_seed(SECRET, "alice", "load_data__markers", 0)
    others = {case_seed(SECRET, "bob", "load_data__markers", 0), case_seed(SECRET, "alice", "load_data__text", 0),
              case_seed(SECRET, "alice", "load_data__markers", 1), case_seed(b"x" * 64, "alice", "load_data__markers", 0)}
    assert seed not in others and len(others) == 4


def _context() -> Context:
    if not (MATERIALS / "model" / "ticket_classifier.joblib").exists():
        from mlscreen.screen.materials import write_materials
        write_materials(MATERIALS)
    return Context(materials=MATERIALS)


@pytest.mark.parametrize("test", sorted(PLANS))
def test_every_case_holds_every_behaviour_its_test_checks_whatever_the_seed(test):
    """`make_case` draws until the plan's `covers` holds; over many candidates it always finds one,
    within a few draws, and `covers` itself is not trivially true."""
    plan, context = PLANS[test], _context()
    candidates = 12 if test.startswith("TicketClassifier") else 60
    for n in range(candidates):
        for index in range(plan.count):
            inputs, truth = make_case(plan, SECRET, f"candidate-{n}", index, context)
            assert plan.covers is None or plan.covers(inputs, truth)
            assert json.loads(json.dumps(inputs, allow_nan=False)) == inputs, "inputs are plain JSON"
    if plan.covers is not None:
        rejected = sum(not plan.covers(*plan.make(seed, 0, context)) for seed in range(40))
        assert rejected < 40


@pytest.mark.parametrize("test", ["evaluate__ranking_metrics", "evaluate__f1"])
def test_every_scripted_model_case_has_both_classes_and_tells_each_usual_slip_from_the_right_metric(test):
    """Whatever the seed, a case of `evaluate` has both classes in y and in the model's labels, a true
    positive, and its judge passes the metrics scikit-learn computes here and fails each usual slip."""
    import numpy as np
    from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

    plan, context = PLANS[test], _context()
    for n in range(60):
        inputs, truth = make_case(plan, SECRET, f"candidate-{n}", 0, context)
        y, scores, labels = (np.asarray(inputs[k]) for k in ("y", "probabilities", "labels"))
        assert len(y) == len(scores) == len(labels) == len(inputs["index"]) == len(set(inputs["index"]))
        assert 0 < y.sum() < len(y) and 0 < labels.sum() < len(labels) and ((y == 1) & (labels == 1)).any()
        right = {"roc_auc": roc_auc_score(y, scores), "average_precision": average_precision_score(y, scores),
                 "f1": f1_score(y, labels)}
        slips = [{"roc_auc": roc_auc_score(y, labels), "average_precision": average_precision_score(y, labels)},
                 {"roc_auc": roc_auc_score(y, 1 - scores), "average_precision": average_precision_score(y, 1 - scores)},
                 {"f1": accuracy_score(y, labels)}, {"f1": f1_score(y, (scores >= 0.5).astype(int))}]
        assert plan.judge(truth, {k: float(v) for k, v in right.items()}, context) is None
        for slip in slips:
            if test.endswith("f1") == ("f1" in slip):  # the slips of the metric this test checks
                answer = {**{k: float(v) for k, v in right.items()}, **{k: float(v) for k, v in slip.items()}}
                assert plan.judge(truth, answer, context) is not None, (n, slip)
        assert plan.judge(truth, {k: int(round(v)) for k, v in right.items()}, context) is not None
        assert plan.judge(truth, {}, context) is not None and plan.judge(truth, None, context) is not None


def test_a_case_made_again_is_the_same_case():
    plan = PLANS["load_data__markers"]
    assert make_case(plan, SECRET, "alice", 0, _context()) == make_case(plan, SECRET, "alice", 0, _context())
    assert make_case(plan, SECRET, "alice", 0, _context())[0] != make_case(plan, SECRET, "bob", 0, _context())[0]


def _ask(path: Path, message: dict) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(path))
        conn.sendall((json.dumps(message) + "\n").encode())
        conn.shutdown(socket.SHUT_WR)
        return json.loads(b"".join(iter(lambda: conn.recv(65536), b"")))


def _loaded_json(truth: dict) -> dict:
    """What a right load_data sends back for a case (built from the truth, as a test may)."""
    return {"columns": truth["columns"], "kinds": ["numeric" if c in truth["numeric"] else "other"
                                                   for c in truth["columns"]],
            "values": [truth["values"][c] for c in truth["columns"]],
            "index": [str(i) for i in range(truth["rows"])]}


@pytest.fixture
def checker(tmp_path):
    made = Checker(secret=SECRET, candidate="alice", materials=MATERIALS)
    made.listen(str(tmp_path / "kernel.json"))
    yield made
    made.close()


def _cell(grade_id: str, outputs=()) -> nbformat.NotebookNode:
    cell = new_code_cell("", metadata={"nbgrader": {"grade_id": grade_id, "grade": True}})
    cell.outputs = list(outputs)
    return cell


def test_the_checker_gives_inputs_only_answers_each_case_once_and_the_grader_enforces_its_verdicts(checker):
    path = checker.path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "error" in _ask(path, {"op": "case"}), "outside a checked cell there is nothing to ask for"
    checker.begin("load_data__markers")
    first = _ask(path, {"op": "case"})
    assert set(first) == {"case", "inputs"} and set(first["inputs"]) == {"csv"}, "inputs only, no truth"
    truth = make_case(PLANS["load_data__markers"], SECRET, "alice", 0, Context())[1]
    wrong = _loaded_json(truth)
    wrong["values"][1] = [None] * truth["rows"]
    reply = _ask(path, {"op": "answer", "case": first["case"], "result": wrong})
    assert reply["ok"] is False and "age" in reply["message"]
    assert "error" in _ask(path, {"op": "answer", "case": first["case"], "result": _loaded_json(truth)}), (
        "a case is answered once")
    assert "error" in _ask(path, {"op": "answer", "case": 99, "ok": True}), "a made-up pass is refused"
    second = _ask(path, {"op": "case"})
    truth = make_case(PLANS["load_data__markers"], SECRET, "alice", 1, Context())[1]
    assert _ask(path, {"op": "answer", "case": second["case"], "result": _loaded_json(truth)})["ok"] is True
    assert _ask(path, {"op": "case"}) == {"done": True}
    cell = _cell("load_data__markers")
    checker.enforce(cell)
    assert cell.outputs and cell.outputs[0]["ename"] == NOT_CONFIRMED, "one case failed: the cell fails"
    assert "error" in _ask(path, {"op": "case"}), "after the cell, the kernel gets nothing more"


def test_a_cell_that_skips_its_checks_fails_and_one_whose_every_case_passed_does_not(checker):
    checker.begin("load_data__text")
    skipped = _cell("load_data__text")
    checker.enforce(skipped)
    assert [o["ename"] for o in skipped.outputs] == [NOT_CONFIRMED]
    checker.begin("load_data__numbers")
    case = _ask(checker.path, {"op": "case"})
    truth = make_case(PLANS["load_data__numbers"], SECRET, "alice", 0, Context())[1]
    assert _ask(checker.path, {"op": "answer", "case": case["case"], "result": _loaded_json(truth)})["ok"]
    passed = _cell("load_data__numbers")
    checker.enforce(passed)
    assert passed.outputs == []
    unchecked = _cell("impute_median__input_unchanged")
    checker.begin("impute_median__input_unchanged")
    checker.enforce(unchecked)
    assert unchecked.outputs == [], "a cell without a plan is the kernel's to judge"


def test_a_malformed_answer_is_a_failed_case_not_a_broken_grader(checker):
    checker.begin("load_data__markers")
    case = _ask(checker.path, {"op": "case"})
    for bad in (None, 42, {"columns": "x"}, [[[]]]):
        reply = _ask(checker.path, {"op": "answer", "case": case["case"], "result": bad})
        assert reply.get("ok") is False or "error" in reply
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:  # not JSON at all
        conn.connect(str(checker.path))
        conn.sendall(b"\x80\x00 not json\n")
    assert "case" in _ask(checker.path, {"op": "case"}), "the checker still serves"


_PROBE = r"""
import gc, json, os, sys
found = {"secret": None, "env": sorted(k for k in os.environ if "SECRET" in k or "SEED" in k)}
try:
    found["secret"] = open(SECRET_PATH).read()
except OSError as err:
    found["secret_error"] = type(err).__name__
from mlscreen.kernel import wire
case = next(wire.cases())
text = case.inputs["csv"]
found["inputs"] = sorted(case.inputs)
found["modules"] = sorted(m for m in sys.modules if m.startswith("mlscreen"))
found["truth_like"] = sum(1 for o in gc.get_objects() if type(o).__name__ in ("MessyTable", "_Case", "Checker"))
print(json.dumps(found))
"""
_FAKE = """
import mlscreen.kernel.wire as wire
wire.cases = lambda: iter(())
for case in wire.cases():
    raise AssertionError("never")
print("all checks passed")
"""


@pytest.mark.skipif(not detect().own_user, reason="needs the sandbox's own kernel user (grading as root)")
def test_a_jailed_kernel_reads_no_secret_and_holds_no_truth_and_a_faked_pass_scores_nothing(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    secret = make_secret(course)
    folder = tmp_path / "notebook"
    folder.mkdir()
    nb = new_notebook(cells=[new_code_cell(f"SECRET_PATH = {str(secret)!r}\n" + _PROBE,
                                           metadata={"nbgrader": {"grade_id": "load_data__markers", "grade": True}}),
                             new_code_cell(_FAKE, metadata={"nbgrader": {"grade_id": "load_data__text", "grade": True}})])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    config = Config()
    config.CourseDirectory.root = str(course)
    config.Execute.extra_arguments = list(KERNEL_ARGUMENTS)
    resources = {"metadata": {"path": str(folder)}, "nbgrader": {"student": "alice"}}
    SandboxedExecute(config=config).preprocess(nb, resources)
    probe, fake = nb.cells
    found = json.loads(next(o["text"] for o in probe.outputs if o.get("name") == "stdout"))
    assert found["secret"] is None and found["secret_error"] in ("FileNotFoundError", "PermissionError")
    assert found["env"] == [] and found["inputs"] == ["csv"]
    assert "mlscreen.checking" not in " ".join(found["modules"]), "no generator in the kernel"
    assert found["truth_like"] == 0
    assert any(o.get("ename") == NOT_CONFIRMED for o in probe.outputs), "a case asked and never answered"
    assert "all checks passed" in "".join(o.get("text", "") for o in fake.outputs)
    assert [o["ename"] for o in fake.outputs if o["output_type"] == "error"] == [NOT_CONFIRMED]
    assert not list(folder.glob("*.checker")) and os.path.exists(secret)
