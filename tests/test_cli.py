"""The `mlscreen` command: a thin layer whose errors are clear lines, not tracebacks."""

from __future__ import annotations

import subprocess
import sys

from mlscreen.cli import main


def test_help_lists_every_command():
    result = subprocess.run([sys.executable, "-m", "mlscreen.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("build", "grade", "demo", "scorecards", "interview"):
        assert command in result.stdout


def test_outside_a_course_the_error_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLSCREEN_ROOT", raising=False)
    assert main(["grade"]) == 2
    err = capsys.readouterr().err
    assert "no nbgrader_config.py" in err and "MLSCREEN_ROOT" in err


def test_grading_before_building_says_to_build(tmp_path, capsys):
    (tmp_path / "nbgrader_config.py").write_text("")
    assert main(["--root", str(tmp_path), "grade"]) == 2
    assert "run `mlscreen build` first" in capsys.readouterr().err
