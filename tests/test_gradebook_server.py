"""The gradebook on a database server: `mlscreen grade --db` with a real PostgreSQL.

A PostgreSQL cluster is started in a scratch folder (Debian's `postgresql` package, as CI
installs it), two of the demo's candidates are graded into it through the command line, and the
scores must be those the demo recorded in its SQLite gradebook, which stays untouched. Plain
`nbgrader` commands read the same `MLSCREEN_DB` through `nbgrader_config.py`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from loopback import free_port
from mlscreen.course.gradebook import answer_scores
from mlscreen.course.layout import DB_VARIABLE

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
COHORT = ["ada", "linus"]  # two of the demo's candidates, graded there into SQLite
SERVER_BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its tools as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def server_url():
    """The SQLAlchemy URL of an empty database on a fresh PostgreSQL cluster on 127.0.0.1."""
    if not SERVER_BINARIES:
        if os.environ.get("MLSCREEN_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL's server binaries are missing (MLSCREEN_REQUIRE_POSTGRES=1)")
        pytest.skip("PostgreSQL's server binaries are missing (apt-get install postgresql)")
    server = Path(SERVER_BINARIES[-1])
    scratch = Path(tempfile.mkdtemp(prefix="mlscreen-pg-"))
    data = scratch / "data"
    data.mkdir(mode=0o700)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (scratch, data):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = free_port()
    subprocess.run(_as_server_user([str(server / "initdb"), "-D", str(data), "-A", "trust", "-U", "grader"]),
                   check=True, capture_output=True)
    options = f"-p {port} -k {scratch} -c listen_addresses=127.0.0.1"
    subprocess.run(_as_server_user([str(server / "pg_ctl"), "-D", str(data), "-o", options, "-w",
                                    "-l", str(scratch / "server.log"), "start"]), check=True, capture_output=True)
    try:
        subprocess.run([str(server / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "grader", "mlscreen"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://grader@127.0.0.1:{port}/mlscreen"
    finally:
        subprocess.run(_as_server_user([str(server / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


def _scores(course) -> dict[str, list[tuple[str, str, float]]]:
    return {s: [(a.notebook, a.answer, a.score) for a in answer_scores(course, s)] for s in COHORT}


def test_grading_into_postgresql_records_the_scores_of_the_sqlite_run(built_course, server_url, monkeypatch):
    monkeypatch.delenv(DB_VARIABLE, raising=False)
    in_sqlite = _scores(built_course)
    assert all(in_sqlite.values()), "the demo graded these candidates into its SQLite gradebook"
    sqlite_bytes = built_course.gradebook.read_bytes()

    command = [str(BIN / "mlscreen"), "--root", str(built_course.root), "grade", "--force",
               "--db", server_url, *[arg for s in COHORT for arg in ("--student", s)]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "registering the release" in done.stderr, "the empty server learned the assignment first"

    monkeypatch.setenv(DB_VARIABLE, server_url)
    assert _scores(built_course) == in_sqlite
    assert built_course.gradebook_file is None
    # plain nbgrader, run in the course, reads the same variable through nbgrader_config.py
    listed = subprocess.run([str(BIN / "nbgrader"), "db", "student", "list"], cwd=built_course.root,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr[-2000:]
    students = {line.split()[0] for line in listed.stdout.splitlines()[1:] if line.strip()}
    assert students == set(COHORT), listed.stdout
    assert built_course.gradebook.read_bytes() == sqlite_bytes, "the SQLite gradebook was not touched"
