"""The grading sandbox against attacks written into answer cells, graded by the real nbgrader.

One course (world-traversable, as a shared grading server's would be) holds two clean candidates,
a candidate whose kernel dies in one notebook, and one candidate per attack. The clean candidates
are first graded with the sandbox off, alone; then everyone is graded with `mlscreen grade`, and
again with plain `nbgrader autograde`. Each time: the clean grades are exactly the clean batch's,
every attacker scores what their honest answers deserve (none: their answers are stubs), nothing
they tried to touch changed, nothing of theirs is left running, and the summary says what happened.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbgrader.api import Gradebook

from loopback import LoopbackListener
from mlscreen.cli import main as mlscreen_main
from mlscreen.course import NOTEBOOKS, Course
from mlscreen.course.cells import cell_index, is_answer_cell
from mlscreen.course.nbgrader_run import release_assignment, run_nbgrader
from mlscreen.grading import grade_batch
from mlscreen.sandbox.policy import detect
from mlscreen.sandbox.processes import user_processes_left
from mlscreen.sandbox.users import LOCK_DIR, SLOTS, USER_PREFIX

pytestmark = pytest.mark.integration

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="the full sandbox needs root (CI grades as root)")
CLEAN = ("clean-a", "clean-b")
CRASHER = "crasher"

# Each attack runs inside the load_data answer cell, before a stub; it prints what it achieved.
ATTACKS = {
    "read-secrets": """
for path in ["{root}/gradebook.db", "{root}/source/coding/data_cleaning.ipynb",
             "{root}/submitted/clean-a/coding/data_cleaning.ipynb",
             "{root}/autograded/clean-a/coding/data_cleaning.ipynb", "../../../gradebook.db",
             "../../../source/coding/data_cleaning.ipynb"]:
    try:
        print("LEAKED", path, open(path, "rb").read(300))
    except Exception as err:
        print("denied", path, type(err).__name__)
open("{root}/gradebook.db", "rb").read()
""",
    "write-elsewhere": """
for path in ["{root}/submitted/clean-a/coding/planted.txt", "{root}/autograded/clean-a/coding/planted.txt",
             "../../clean-a/coding/planted.txt", "{root}/planted.txt", "../../../autograded/planted.txt"]:
    try:
        open(path, "w").write("planted")
        print("WROTE", path)
    except Exception as err:
        print("denied", path, type(err).__name__)
open("{root}/submitted/clean-a/coding/planted.txt", "w").write("planted")
""",
    "rewrite-gradebook": """
import sqlite3
for path in ["{root}/gradebook.db", "../../../gradebook.db"]:
    try:
        db = sqlite3.connect(path)
        db.execute("UPDATE grade_cell SET max_score = 0")
        db.execute("UPDATE source_cell SET source = 'pass'")
        db.commit()
        print("REWROTE", path)
    except Exception as err:
        print("denied", path, type(err).__name__)
sqlite3.connect("{root}/gradebook.db").execute("UPDATE grade_cell SET max_score = 0")
""",
    "kill-grader": """
import os, signal
for pid in [os.getppid(), 1, -1]:
    try:
        os.kill(pid, signal.SIGKILL)
        print("SIGNALLED", pid)
    except Exception as err:
        print("denied", pid, type(err).__name__)
os.kill(1, signal.SIGKILL)
""",
    "fork-bomb": """
import os, time
children, started = 0, time.time()
while time.time() - started < 5:
    try:
        if os.fork() == 0:
            while True:
                time.sleep(1)
        children += 1
    except OSError as err:
        print("fork refused after", children, type(err).__name__)
        break
else:
    print("UNBOUNDED", children)
""",
    "allocate-20gb": """
hoard = bytearray(20 * 2**30)
print("ALLOCATED", len(hoard))
""",
    "print-100mb": """
import sys
sys.stdout.write("x" * 100_000_000)
""",
    "outlive-kernel": """
import subprocess
subprocess.Popen(["sleep", "987"], start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
subprocess.run("(setsid sleep 988 &)", shell=True)
print("spawned")
""",
    "sleep-ignoring-sigint": """
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
time.sleep(10**6)
""",
    "patch-test-helpers": """
import builtins, math, numpy, numpy.testing, pandas, pandas.testing
numpy.testing.assert_allclose = lambda *a, **k: None
pandas.testing.assert_frame_equal = lambda *a, **k: None
numpy.allclose = numpy.isclose = math.isclose = lambda *a, **k: True
builtins.abs = lambda x: 0
def load_data(path):
    return pandas.DataFrame()
""",
    "network": """
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"hello")
    print("CONNECTED")
except Exception as err:
    print("denied", type(err).__name__)
socket.create_connection(("127.0.0.1", {port}), timeout=3)
""",
}


def _solutions(course: Course, notebook: str) -> dict[str, str]:
    nb = nbformat.read(course.notebook(course.source, notebook), as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", cell.source)
            for cell in nb.cells if is_answer_cell(cell)}


def _submit(course: Course, student: str, notebooks: dict[str, dict[str, str]]) -> None:
    """Write `submitted/<student>/coding/` with the given answer cells per notebook."""
    folder = course.submitted(student)
    folder.mkdir(parents=True, exist_ok=True)
    for notebook, answers in notebooks.items():
        nb = nbformat.read(course.notebook(course.release, notebook), as_version=4)
        for grade_id, code in answers.items():
            nb.cells[cell_index(nb, grade_id)].source = code
        nbformat.write(nb, course.notebook(folder, notebook))
    (folder / "timestamp.txt").write_text("2026-01-01 10:00:00.000000 UTC")


def _cell_scores(course: Course, student: str) -> dict[tuple[str, str], float]:
    with Gradebook(course.gradebook_url) as gb:
        submission = gb.find_submission(course.assignment, student)
        return {(nb.name, grade.name): float(grade.score or 0) for nb in submission.notebooks
                for grade in nb.grades if grade.cell.cell_type == "code"}


def _sandbox_processes() -> list[str]:
    """Processes of kernel users no grader holds now (a held one belongs to a kernel running
    elsewhere on this machine), and the sleepers the attacks tried to leave behind."""
    left = []
    for slot in range(SLOTS):
        lock = LOCK_DIR / f"slot-{slot}.lock"
        if not lock.exists():
            continue
        with open(lock, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            try:
                uid = pwd.getpwnam(f"{USER_PREFIX}{slot}").pw_uid
                if user_processes_left(uid):
                    left.append(f"{USER_PREFIX}{slot}: {user_processes_left(uid)} process(es)")
            except KeyError:
                pass
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    ps = subprocess.run(["ps", "-eo", "user:32,args"], capture_output=True, text=True, check=True).stdout
    return left + [line for line in ps.splitlines() if "sleep 987" in line or "sleep 988" in line]


def _gradebook_tests_digest(course: Course) -> str:
    with Gradebook(course.gradebook_url) as gb:
        notebooks = gb.find_assignment(course.assignment).notebooks
        text = "".join([*(cell.source for nb in notebooks for cell in nb.source_cells),
                        *(f"{cell.name}={cell.max_score}" for nb in notebooks for cell in nb.grade_cells)])
    return hashlib.sha256(text.encode()).hexdigest()


def _printed(notebook: Path) -> str:
    """Everything the notebook's cells printed or raised (not their source)."""
    nb = nbformat.read(notebook, as_version=4)
    return "\n".join(str(output.get("text", "")) + str(output.get("evalue", "")) + str(output.get("data", ""))
                     for cell in nb.cells for output in cell.get("outputs", []))


@pytest.fixture(scope="module")
def listener():
    server = LoopbackListener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def course(built_course):
    """A course of its own, under a folder every user can traverse (as on a grading server)."""
    base = Path(tempfile.mkdtemp(prefix="mlscreen-sandbox-test-", dir="/tmp"))
    os.chmod(base, 0o755)
    course = Course(base / "course")
    course.root.mkdir()
    os.chmod(course.root, 0o755)
    shutil.copy2(built_course.root / "nbgrader_config.py", course.root)
    for folder in ("source", "release"):
        shutil.copytree(built_course.root / folder, course.root / folder)
    release_assignment(course)
    yield course
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def clean_scores(course, monkeypatch_module):
    """The clean candidates graded alone, with the sandbox off: what every later run must match."""
    reference = {name: _solutions(course, name) for name in NOTEBOOKS}
    _submit(course, "clean-a", reference)
    _submit(course, "clean-b", {"data_cleaning": reference["data_cleaning"], "inference_pipeline": {},
                                "debug_classifier": reference["debug_classifier"]})
    monkeypatch_module.setenv("MLSCREEN_SANDBOX", "off")
    summary = grade_batch(course=course, students=list(CLEAN), force=True)
    monkeypatch_module.delenv("MLSCREEN_SANDBOX")
    assert all(r.status == "graded" for r in summary.results), [r.notes for r in summary.results]
    return {student: _cell_scores(course, student) for student in CLEAN}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def attacked(course, clean_scores, listener):
    """Everyone submitted, then graded by `mlscreen grade --force` with the sandbox on."""
    reference = {name: _solutions(course, name) for name in NOTEBOOKS}
    stubs = nbformat.read(course.notebook(course.release, "data_cleaning"), as_version=4)
    stub = stubs.cells[cell_index(stubs, "load_data")].source
    for name, attack in ATTACKS.items():
        code = attack.format(root=course.root, port=listener.port).strip()
        _submit(course, name, {"data_cleaning": {"load_data": code + "\n\n" + stub}})
    crashing = dict(reference["debug_classifier"])
    crashing["run_experiment"] += "\n\nimport os\nos._exit(7)\n"
    _submit(course, CRASHER, {**reference, "debug_classifier": crashing})
    digest = _gradebook_tests_digest(course)
    code = mlscreen_main(["--root", str(course.root), "grade", "--force"])
    table = pd.read_csv(course.reports / "grades.csv", keep_default_na=False).set_index("candidate")
    return code, table, digest


def _assert_contained(course, clean_scores, listener, digest):
    for student in CLEAN:
        assert _cell_scores(course, student) == clean_scores[student], student
    for name in ATTACKS:
        scores = _cell_scores(course, name)
        assert scores and sum(scores.values()) == 0, (name, {k: v for k, v in scores.items() if v})
    assert not list(course.root.rglob("planted.txt"))
    assert _gradebook_tests_digest(course) == digest
    assert listener.connections == 0
    assert _sandbox_processes() == []
    for name in ATTACKS:
        graded = course.notebook(course.autograded(name), "data_cleaning")
        text = _printed(graded)
        assert graded.stat().st_size < 5_000_000, name
        for achieved in ("LEAKED", "WROTE", "REWROTE", "SIGNALLED", "UNBOUNDED", "ALLOCATED", "CONNECTED"):
            assert achieved not in text, (name, achieved)
        assert "SQLite format" not in text and "BEGIN HIDDEN TESTS" not in text, name


@ROOT_ONLY
def test_mlscreen_grade_contains_every_attack(course, clean_scores, attacked, listener):
    code, table, digest = attacked
    assert code == 0, table[["status", "notes"]].to_dict("index")
    _assert_contained(course, clean_scores, listener, digest)


@ROOT_ONLY
def test_the_summary_names_what_each_attack_ran_into(attacked):
    _, table, _ = attacked
    notes = table["notes"].to_dict()
    assert "MemoryError" in notes["allocate-20gb"]
    assert "output too large" in notes["print-100mb"]
    assert "stopped answering" in notes["sleep-ignoring-sigint"]
    assert "were still running when the notebook ended" in notes["fork-bomb"]
    assert "were still running when the notebook ended" in notes["outlive-kernel"]
    for name in ("read-secrets", "write-elsewhere", "rewrite-gradebook", "kill-grader", "network"):
        assert "ran into the grading sandbox" in notes[name], (name, notes[name])


@ROOT_ONLY
def test_a_kernel_that_dies_costs_only_its_notebook(course, attacked):
    _, table, _ = attacked
    crasher = table.loc[CRASHER]
    assert crasher["status"] == "graded", crasher["notes"]
    clean = table.loc["clean-a"]
    for name in ("data_cleaning", "inference_pipeline"):
        assert crasher[name] == clean[name] > 0, name
    assert 0 < crasher["debug_classifier"] < clean["debug_classifier"]  # tests before the crash count
    assert "debug_classifier.ipynb: the kernel exited with code 7" in crasher["notes"], crasher["notes"]
    assert "the cells after it were not run" in crasher["notes"]


@ROOT_ONLY
def test_plain_nbgrader_autograde_contains_every_attack(course, clean_scores, attacked, listener):
    _, _, digest = attacked
    code, lines = run_nbgrader(course, "autograde", course.assignment, "--force")
    assert "sandbox: each kernel runs with an unprivileged user" in "\n".join(lines)
    assert code == 0, "\n".join(lines[-30:])
    _assert_contained(course, clean_scores, listener, digest)


@ROOT_ONLY
def test_secrets_at_rest_are_the_graders_alone(course, attacked):
    for path in (course.root / "source", course.gradebook, course.root / "autograded", course.root / "submitted"):
        assert path.stat().st_mode & 0o077 == 0, path
    for notebook in (course.root / "source" / "coding").glob("*.ipynb"):
        assert notebook.stat().st_mode & 0o077 == 0, notebook


@ROOT_ONLY
def test_without_namespaces_a_kernel_still_cannot_open_secrets(course, attacked, monkeypatch):
    """As in a container that refuses namespaces: the course is visible, its secrets unreadable."""
    from mlscreen.course.settings import KERNEL_ARGUMENTS
    from mlscreen.sandbox.execute import SandboxedExecute

    monkeypatch.setenv("MLSCREEN_SANDBOX", "no-namespaces")
    protections = detect()
    assert not protections.namespaces and "OFF: no course directory" in protections.summary()
    if not protections.own_user:
        pytest.skip(protections.why_no_user)
    paths = [course.gradebook, course.notebook(course.source, "data_cleaning"),
             course.notebook(course.autograded("clean-a"), "data_cleaning"),
             course.notebook(course.submitted("clean-a"), "data_cleaning")]
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "import os\n"
        f"for p in {[str(p) for p in paths]!r}:\n"
        "    try:\n        open(p, 'rb'); print('OPENED', p)\n"
        "    except OSError as err:\n        print('denied', type(err).__name__)\n"
        "print('uid', os.getuid())")]
    scratch = Path(tempfile.mkdtemp())
    try:
        run, _ = SandboxedExecute(extra_arguments=list(KERNEL_ARGUMENTS)).preprocess(
            nb, {"metadata": {"path": str(scratch)}, "unique_key": "probe"})
    finally:
        shutil.rmtree(scratch)
    text = "".join(o.get("text", "") for o in run.cells[0].outputs)
    assert all(p.exists() for p in paths)
    assert "OPENED" not in text and text.count("denied PermissionError") == len(paths), text
    assert "uid 0" not in text
