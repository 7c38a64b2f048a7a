"""The grading kernel's time limits: every cell is stopped after 25 s and every call a hidden test
makes after 10 s, endless loops that ignore Ctrl-C included; `MLSCREEN_CELL_LIMIT` and
`MLSCREEN_CALL_LIMIT` change them (README). Checked in fresh interpreters and a real kernel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mlscreen.course.settings import KERNEL_ARGUMENTS

REPO = Path(__file__).resolve().parents[1]
_LOOP = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"


def _python(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("MLSCREEN_CELL_LIMIT", "MLSCREEN_CALL_LIMIT")}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


_LIMITS = "from mlscreen.kernel import testkit as t; print(t.CELL_LIMIT_SECONDS, t.CALL_LIMIT_SECONDS)"


def test_the_default_limits_are_the_ones_the_readme_gives():
    cell, call = map(float, _python(_LIMITS).split())
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"every cell is stopped after {cell:g} s" in readme
    assert f"every call a hidden test makes after {call:g} s" in readme
    assert (cell, call) == (25, 10)


def test_the_environment_changes_the_limits():
    assert _python(_LIMITS, MLSCREEN_CELL_LIMIT="3", MLSCREEN_CALL_LIMIT="1.5") == "3.0 1.5"


def test_a_call_that_ignores_ctrl_c_is_stopped_at_the_call_limit():
    code = f"""
import json, time
from mlscreen.kernel import testkit
def endless():
{chr(10).join('    ' + line for line in _LOOP.splitlines())}
start = time.monotonic()
try:
    testkit.quietly(endless)
except testkit.TimeLimitExceeded as stopped:
    print(json.dumps([time.monotonic() - start, str(stopped)]))
"""
    elapsed, message = json.loads(_python(code, MLSCREEN_CALL_LIMIT="1"))
    assert 1.0 <= elapsed < 8, elapsed
    assert message == "endless() ran over 1 s and was stopped"


@pytest.mark.integration
def test_a_cell_that_ignores_ctrl_c_is_stopped_at_the_cell_limit_and_the_kernel_goes_on(monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("MLSCREEN_CELL_LIMIT", "2")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_LOOP), nbformat.v4.new_code_cell("print('on')")])
    client = NotebookClient(nb, timeout=60, allow_errors=True, extra_arguments=list(KERNEL_ARGUMENTS),
                            kernel_name="python3")
    start = time.monotonic()
    client.execute()
    elapsed = time.monotonic() - start
    error = next(o for o in nb.cells[0].outputs if o.output_type == "error")
    assert "TimeLimitExceeded" in error.ename and error.evalue == "this cell ran over 2 s and was stopped"
    assert [o.text for o in nb.cells[1].outputs] == ["on\n"], "the kernel answers the next cell"
    assert 2 <= elapsed < 30, elapsed


@pytest.mark.integration
def test_after_the_last_test_cells_get_the_call_limit_and_tests_keep_the_cell_limit(monkeypatch, tmp_path):
    """Cells after a notebook's last test change no score: grading stops them at the call limit."""
    from mlscreen.sandbox.execute import SandboxedExecute

    monkeypatch.setenv("MLSCREEN_CELL_LIMIT", "6")
    monkeypatch.setenv("MLSCREEN_CALL_LIMIT", "1")
    test = {"nbgrader": {"grade": True, "grade_id": "slow_test", "points": 1, "solution": False, "locked": True}}
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import time\ntime.sleep(1.5)\nprint('test done')", metadata=test),
        nbformat.v4.new_markdown_cell("## Try it"),
        nbformat.v4.new_code_cell(_LOOP),
        nbformat.v4.new_code_cell("print('still on')"),
    ])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    SandboxedExecute(extra_arguments=list(KERNEL_ARGUMENTS)).preprocess(
        nb, {"metadata": {"path": str(tmp_path)}, "unique_key": "limits"})
    slow, _, loop, after = nb.cells
    assert [o.get("text") for o in slow.outputs] == ["test done\n"], "a test cell keeps the whole cell limit"
    error = next(o for o in loop.outputs if o.output_type == "error")
    assert error.evalue == "this cell ran over 1 s and was stopped"
    assert [o.get("text") for o in after.outputs] == ["still on\n"]
    assert after.execution_count == loop.execution_count + 1, "the silent request took no execution count"
