"""The grading engine on a real Dask cluster: `dask scheduler` and two `dask worker` processes on
127.0.0.1, one of them killed while it grades; every candidate is still graded exactly once,
with the scores of the local run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest
from distributed import Client
from nbgrader.api import Gradebook

from loopback import free_port
from mlscreen.course.gradebook import answer_scores

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
# four of the demo's cohort, which the demo graded on its local cluster (mallory: a notebook
# that is not JSON, stripped test cells)
COHORT = ["ada", "alan", "linus", "mallory"]


def _start(*args: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    env.pop("MLSCREEN_ROOT", None)
    return subprocess.Popen([str(BIN / "dask"), *args], env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _kill_tree(process: subprocess.Popen) -> None:
    """The process and everything it started (a kernel outlives its worker without namespaces)."""
    try:
        family = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for member in family:
        try:
            member.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    process.wait(timeout=30)


def _scores(course) -> dict[str, list[tuple[str, str, float]]]:
    return {s: [(a.notebook, a.answer, a.score) for a in answer_scores(course, s)] for s in COHORT}


@pytest.fixture
def cluster(tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start("scheduler", "--host", "127.0.0.1", "--port", str(port),
                       "--no-dashboard", log=tmp_path / "scheduler.log")
    workers = [_start("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                      "--name", f"w{i}", log=tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            yield address, client, workers
    finally:
        for process in [*workers, scheduler]:
            _kill_tree(process)


def test_a_real_cluster_grades_like_the_local_run_and_loses_nothing_when_a_worker_dies(
        built_course, cluster, tmp_path):
    address, client, workers = cluster
    local = _scores(built_course)
    assert all(local[s] for s in COHORT if s != "mallory"), "the demo graded the cohort locally"
    pids = {pid: addr for addr, pid in client.run(os.getpid).items()}
    command = [str(BIN / "mlscreen"), "--root", str(built_course.root), "grade", "--force",
               "--scheduler", address, *[arg for s in COHORT for arg in ("--student", s)]]
    grading = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    killed, deadline = None, time.time() + 300
    while killed is None and grading.poll() is None and time.time() < deadline:
        busy = {addr: keys for addr, keys in client.processing().items() if keys}
        for worker in workers:
            if pids.get(worker.pid) in busy:
                killed = (worker, busy[pids[worker.pid]])
                _kill_tree(worker)
                break
        time.sleep(0.2)
    out, err = grading.communicate(timeout=900)
    assert killed is not None, "a worker was killed while it graded a candidate"
    assert grading.returncode == 0, out[-3000:] + err[-3000:]

    # every candidate recorded once, by the coordinator, from the surviving worker or before
    recorded = Counter(line.split("(", 1)[1].split(",", 1)[0].split(": ", 1)[1]
                       for line in err.splitlines() if "graded candidate " in line)
    assert recorded == Counter(COHORT), err[-3000:]
    with Gradebook(built_course.gradebook_url) as gb:
        rows = Counter(sub.student.id for sub in gb.find_assignment(built_course.assignment).submissions)
    assert all(rows[s] == 1 for s in COHORT), rows
    assert _scores(built_course) == local
    for student in COHORT:
        graded = built_course.autograded(student)
        assert (graded / "data_cleaning.ipynb").exists()
        assert (graded / "data").is_dir(), "the course's own files are in the graded folder"


def _certificates(folder: Path) -> tuple[str, str, str]:
    """A throwaway certificate authority and one key and certificate for 127.0.0.1 signed by it."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "1", "-subj", "/CN=mlscreen test authority")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "node.key", "-out", "node.csr",
            "-subj", "/CN=127.0.0.1")
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "node.pem", "-days", "1", "-extfile", "san.cnf")
    return str(folder / "ca.pem"), str(folder / "node.pem"), str(folder / "node.key")


def test_a_tls_cluster_grades_with_the_certificates_from_dasks_config(built_course, tmp_path):
    ca, cert, key = _certificates(tmp_path)
    tls = ["--tls-ca-file", ca, "--tls-cert", cert, "--tls-key", key]
    port = free_port()
    address = f"tls://127.0.0.1:{port}"
    scheduler = _start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--protocol", "tls",
                       "--no-dashboard", *tls, log=tmp_path / "scheduler.log")
    worker = _start("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", *tls,
                    log=tmp_path / "worker.log")
    # what the README points to: Dask's own configuration, here through its environment variables
    secure = dict(os.environ, DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True",
                  DASK_DISTRIBUTED__COMM__TLS__CA_FILE=ca, DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT=cert,
                  DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY=key)
    try:
        local = _scores(built_course)["ada"]
        command = [str(BIN / "mlscreen"), "--root", str(built_course.root), "grade", "--force",
                   "--scheduler", address, "--student", "ada"]
        plain = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert plain.returncode != 0, "a client without the certificates gets no work done"
        assert "could not connect to the Dask scheduler" in plain.stderr and "Traceback" not in plain.stderr
        done = subprocess.run(command, env=secure, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "graded candidate 1/1 (graded: ada" in done.stderr
        assert _scores(built_course)["ada"] == local
    finally:
        for process in (worker, scheduler):
            _kill_tree(process)
