"""Live sessions with real servers: two candidates side by side, each kernel jailed, then stopped.

One course (world-traversable, as on a shared interview machine) and two sessions started with
`mlscreen lab`, shared by the module's tests. Candidate A's kernel tries to open the course's
secrets, B's workspace and the sessions' records; A's browser-side API tries links, FIFOs,
paths out of the workspace, terminals, stopping the server and submitting. At the end
`mlscreen stop` stops both, and nothing of either is left running.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from loopback import LoopbackListener
from mlscreen.cli import main as mlscreen_main
from mlscreen.course import Course
from mlscreen.sandbox.policy import detect
from mlscreen.session.launch import list_sessions, processes_of_session
from mlscreen.session.records import SessionPaths, read_live, read_record

pytestmark = pytest.mark.integration

A, B = "cand-a", "cand-b"


def _mlscreen(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = mlscreen_main(list(args))
    return code, out.getvalue()


@pytest.fixture(scope="module")
def course(built_course):
    base = Path(tempfile.mkdtemp(prefix="mlscreen-session-test-", dir="/tmp"))
    os.chmod(base, 0o755)
    course = Course(base / "course")
    course.root.mkdir()
    shutil.copy2(built_course.root / "nbgrader_config.py", course.root)
    for folder in ("source", "release"):
        shutil.copytree(built_course.root / folder, course.root / folder)
    shutil.copy2(built_course.gradebook, course.gradebook)  # as on an interview day
    yield course
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def sessions(course):
    """Two sessions started by `mlscreen lab`, stopped (if a test did not) at the end."""
    root = course.root.parent / "sessions"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLSCREEN_SESSIONS", str(root))
        outputs = {}
        try:
            starts = {candidate: subprocess.Popen(  # side by side, as two interviewers would
                [str(Path(sys.executable).parent / "mlscreen"), "--root", str(course.root), "lab",
                 candidate, "--name", f"Name of {candidate}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for candidate in (A, B)}
            for candidate, start in starts.items():
                outputs[candidate], errors = start.communicate(timeout=180)
                assert start.returncode == 0, outputs[candidate] + errors
            yield root, outputs
        finally:
            for candidate in (A, B):
                if (root / candidate).is_dir():
                    _mlscreen("stop", candidate)


def _record(root: Path, candidate: str):
    return read_record(SessionPaths.of(candidate, root))


def _api(record, path: str, *, token: str | None, method: str = "GET", body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{record.port}{path}", data=data,
                                     method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, None


def _run(record, kernel_id: str, code: str, timeout: float = 60.0) -> str:
    """Execute `code` in a kernel of the session through the server's websocket; its output."""
    import websocket

    ws = websocket.create_connection(
        f"ws://127.0.0.1:{record.port}/api/kernels/{kernel_id}/channels?token={record.candidate_token}",
        timeout=timeout)
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False}}))
    out, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            message = json.loads(ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "stream":
                out.append(message["content"]["text"])
            elif kind == "error":
                out.append(f"ERROR {message['content']['ename']}: {message['content']['evalue']}\n")
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                return "".join(out)
    finally:
        ws.close()
    raise AssertionError(f"no answer from the kernel in {timeout} s: {''.join(out)}")


def _kernel(record) -> str:
    status, kernel = _api(record, "/api/kernels", token=record.candidate_token, method="POST",
                          body={"name": "python3"})
    assert status == 201, status
    return kernel["id"]


def test_lab_prints_the_protections_and_two_urls_with_their_own_tokens(sessions):
    root, outputs = sessions
    record = _record(root, A)
    text = outputs[A]
    assert text.startswith("sandbox: ")
    assert f"Candidate (Name of {A}): http://127.0.0.1:{record.port}/lab/tree/SESSION.md?token=" in text
    assert f"Interviewer (Interviewer): http://127.0.0.1:{record.port}/lab?token=" in text
    assert record.candidate_token != record.interviewer_token
    assert record.candidate_token in text and record.interviewer_token in text
    assert record.ip == "127.0.0.1"
    for token, who, name in ((record.candidate_token, "candidate", f"Name of {A}"),
                             (record.interviewer_token, "interviewer", "Interviewer")):
        status, me = _api(record, "/api/me", token=token)
        assert status == 200 and me["identity"]["username"] == who
        assert me["identity"]["display_name"] == name
    config = json.loads((SessionPaths.of(A, root).jupyter / "jupyter_config_dir" /
                         "jupyter_server_config.json").read_text())
    assert config["ServerApp"]["ip"] == "127.0.0.1"
    assert config["ServerApp"]["allow_root"] == (os.geteuid() == 0)
    assert stat_mode(SessionPaths.of(A, root).state) == 0o700


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_candidates_kernel_cannot_open_secrets_or_another_workspace(course, sessions):
    root, _ = sessions
    a, b = _record(root, A), _record(root, B)
    listener = LoopbackListener()
    secrets = [course.gradebook, course.notebook(course.source, "data_cleaning"),
               course.root / "source" / "coding",
               SessionPaths.of(B, root).workspace / "data_cleaning.ipynb",
               SessionPaths.of(B, root).record, SessionPaths.of(A, root).record]
    if detect().namespaces:  # no course directory at all inside, not even its public files
        secrets.append(course.root / "nbgrader_config.py")
    assert all(p.exists() for p in secrets)
    code = (
        "import os, socket\n"
        f"for p in {[str(p) for p in secrets]!r}:\n"
        "    try:\n"
        "        (os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)); print('OPENED', p)\n"
        "    except OSError as err:\n"
        "        print('denied', type(err).__name__)\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {listener.port}), timeout=3); print('CONNECTED')\n"
        "except OSError as err:\n"
        "    print('no network', type(err).__name__)\n"
        "open('written-by-a.txt', 'w').write('mine')\n"
        "print('uid', os.getuid(), 'cwd', os.getcwd())\n"
    )
    try:
        kernel = _kernel(a)
        text = _run(a, kernel, code)
        # a restarted kernel, and a second one beside it, are jailed the same way
        assert _api(a, f"/api/kernels/{kernel}/restart", token=a.candidate_token, method="POST",
                    body={})[0] == 200
        again = [_run(a, k, "import os; print(os.getuid(), os.getcwd(), os.path.exists("
                      f"{str(course.gradebook)!r}))") for k in (kernel, _kernel(a))]
    finally:
        listener.close()
    first = text.split("uid ")[1].split()[0]
    assert again == [f"{first} {SessionPaths.of(A, root).workspace} False\n"] * 2, again
    assert "OPENED" not in text and text.count("denied ") == len(secrets), text
    assert "no network" in text and "CONNECTED" not in text and listener.connections == 0
    assert f"cwd {SessionPaths.of(A, root).workspace}" in text
    assert (SessionPaths.of(A, root).workspace / "written-by-a.txt").read_text() == "mine"
    assert not (SessionPaths.of(B, root).workspace / "written-by-a.txt").exists()
    if detect().own_user:
        uid_a = int(text.split("uid ")[1].split()[0])
        assert uid_a != 0 and uid_a == read_live(SessionPaths.of(A, root))["uid"]
        assert uid_a != read_live(SessionPaths.of(B, root))["uid"]  # a user of its own each
        assert (SessionPaths.of(A, root).workspace / "written-by-a.txt").stat().st_uid == uid_a
    assert b.port != a.port


def test_the_file_api_shows_only_the_workspace_and_needs_the_token(course, sessions):
    root, _ = sessions
    record = _record(root, A)
    workspace = SessionPaths.of(A, root).workspace
    token = record.candidate_token
    text = _run(record, _kernel(record), (
        f"import os\nos.symlink({str(course.notebook(course.source, 'data_cleaning'))!r}, 'solution.ipynb')\n"
        f"os.symlink({str(course.root)!r}, 'course')\nos.mkfifo('pipe')\nprint('planted')\n"))
    assert "planted" in text
    status, listing = _api(record, "/api/contents", token=token)
    names = {entry["name"] for entry in listing["content"]}
    assert status == 200 and {"data_cleaning.ipynb", "SESSION.md", "data", "model"} <= names
    assert names == {p.name for p in workspace.iterdir()
                     if not p.name.startswith(".") and not p.is_symlink() and p.name != "pipe"}
    for path in ("/api/contents/solution.ipynb", "/api/contents/course/gradebook.db",
                 "/api/contents/pipe", "/files/solution.ipynb", "/files/course/nbgrader_config.py",
                 "/api/contents/..%2Fstate%2Fsession.json", "/files/..%2Fstate%2Fsession.json"):
        status, body = _api(record, path, token=token)
        assert status in (403, 404), (path, status, str(body)[:200])
    status, _ = _api(record, "/api/contents/course/x.txt", token=token, method="PUT",
                     body={"type": "file", "format": "text", "content": "planted"})
    assert status in (403, 404) and not (course.root / "x.txt").exists()
    assert _api(record, "/api/contents", token=None)[0] == 403
    page = urllib.request.urlopen(record.url("lab"), timeout=30).read().decode()
    assert "jupyter-config-data" in page and record.interviewer_token not in page
    assert record.candidate_token not in page  # no page carries a token: cookies do
    assert _api(record, "/api/contents", token="not-a-token")[0] == 403
    assert _api(record, "/api/terminals", token=record.interviewer_token)[0] == 404
    assert _api(record, "/api/terminals", token=token, method="POST", body={})[0] in (403, 404)
    assert _api(record, "/api/shutdown", token=token, method="POST", body={})[0] == 403
    assert _api(record, "/nbconvert/pdf/data_cleaning.ipynb", token=token)[0] == 403
    assert _api(record, "/mlscreen/api/submit", token=token, method="POST", body={})[0] == 403
    assert not course.submitted(A).exists()
    assert _api(record, "/mlscreen/api/session", token=token)[1]["can_submit"] is False
    for extension in ("formgrader", "assignments", "voila/render/data_cleaning.ipynb", "lsp/status"):
        assert _api(record, f"/{extension}", token=record.interviewer_token)[0] == 404, extension


def test_sessions_lists_both_and_a_rerun_finds_the_running_one(course, sessions):
    root, outputs = sessions
    code, text = _mlscreen("sessions")
    assert code == 0
    assert text.count("running on port") == 2 and A in text and B in text
    code, again = _mlscreen("--root", str(course.root), "lab", A)
    assert code == 0 and "already running" in again
    assert _record(root, A).candidate_url in again


def test_stop_leaves_nothing_running_and_a_rerun_resumes_the_workspace(course, sessions):
    root, _ = sessions
    a = SessionPaths.of(A, root)
    answer = a.workspace / "data_cleaning.ipynb"
    answer.write_text(answer.read_text() + " ", encoding="utf-8")  # the candidate's own edit
    mine = answer.read_text()
    uids = {c: read_live(SessionPaths.of(c, root)).get("uid") for c in (A, B)}
    ports = {c: _record(root, c).port for c in (A, B)}
    for candidate in (A, B):
        code, text = _mlscreen("stop", candidate)
        assert code == 0 and "nothing of the session is running" in text, text
    for candidate in (A, B):
        paths = SessionPaths.of(candidate, root)
        assert processes_of_session(paths, uids[candidate]) == []
        assert not any(s.running for s in list_sessions(sessions=root))
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", ports[candidate]), timeout=1)
        if uids[candidate] is not None:
            assert _processes_of_uid(uids[candidate]) == []
            assert paths.workspace.stat().st_uid == os.geteuid()  # given back to the grader
    code, text = _mlscreen("--root", str(course.root), "lab", A)
    try:
        assert code == 0 and "the workspace resumed as it was left" in text, text
        assert f"Candidate (Name of {A}): " in text  # the name given at the first start
        assert answer.read_text() == mine
        assert (a.workspace / "written-by-a.txt").read_text() == "mine"
    finally:
        assert _mlscreen("stop", A)[0] == 0


def _processes_of_uid(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if int(status.split("\nUid:\t", 1)[1].split()[0]) == uid and "\nState:\tZ" not in status:
                pids.append(int(entry.name))
    return pids
