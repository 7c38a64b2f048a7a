"""Starting, listing and stopping live sessions, several side by side on one machine.

`start_session` prepares (or resumes) the candidate's workspace and starts JupyterLab on it in
the background, on a free port, with two tokens; it returns once the server answers, the
session's sandbox is open, and the record is written. `stop_session` stops the server (its
kernels, then every process of its kernel user) and makes sure nothing of the session is
left running; the workspace stays, so `start_session` again resumes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..common.ids import validate_id
from ..course.layout import Course
from ..course.secrets import protect_secrets
from ..sandbox.jail import chown_tree
from ..sandbox.policy import Protections, detect
from ..sandbox.users import LOCK_DIR, USER_PREFIX
from .records import (
    SessionPaths,
    SessionRecord,
    all_paths,
    is_running,
    read_live,
    read_record,
    sessions_root,
    write_record,
)
from .server_config import jupyter_folders, server_environment, write_server_files
from .workspace import (
    check_outside,
    planned_minutes,
    prepare_workspace,
    session_text,
    write_session_file,
)

_log = logging.getLogger(__name__)
READY_TIMEOUT_S = 90.0
STOP_GRACE_S = 20.0


@dataclass(frozen=True)
class Started:
    """What `start_session` did: the record, and whether it made, resumed or found the session."""

    record: SessionRecord
    paths: SessionPaths
    how: str  # "new", "resumed" or "running"
    protections: Protections


def unprotected_warning(protections: Protections) -> str | None:
    """The plain statement for a machine where the candidate's kernel could read the course."""
    if protections.enabled and (protections.namespaces or protections.own_user):
        return None
    return ("NOT PROTECTED: the candidate's kernel runs as you, sees your whole file system "
            "and the network, and can read whatever you can, including the course's solutions, "
            "hidden tests and gradebook. To run a session safely, run it as root (sudo mlscreen "
            "lab ...: an unprivileged user of its own), or where bubblewrap can make user "
            "namespaces (no course directory, no network in the kernel), or on a machine "
            "holding no course at all (copy only release/ there).")


def limits_statement(protections: Protections) -> list[str]:
    """What is and is not protected, beyond the one-line summary."""
    lines = ["the file browser and the contents API show only the workspace; no terminals; "
             "the candidate cannot stop the server or submit"]
    if protections.own_user:
        lines.append("the server reads and writes the workspace with the kernel user's rights; "
                     "every process of that user is stopped when the session stops")
    elif protections.enabled and protections.namespaces:
        lines.append("without root the kernel runs as you inside its namespaces: it cannot see "
                     "the course, but there is no process limit, and the server's file API acts "
                     "with your rights inside the workspace")
    return lines


def start_session(*, course: Course, candidate: str, candidate_name: str | None = None,
                  interviewer_name: str | None = None, ip: str = "127.0.0.1",
                  port: int | None = None, sessions: Path | None = None,
                  allow_unprotected: bool = False) -> Started:
    """Start (or resume, or find running) the candidate's session; see the module's docstring.

    Names not given are those of the previous start (the candidate's id and "Interviewer" at first).
    """
    validate_id(candidate, "candidate id")
    root = sessions or sessions_root()
    check_outside(course, root)
    paths = SessionPaths.of(candidate, root)
    protections = detect()
    previous = read_record(paths)
    if previous is not None and Path(previous.course) != course.root.resolve():
        raise ValueError(f"the session of {candidate} belongs to the course {previous.course}")
    if previous is not None and is_running(previous.pid, _marker(paths)):
        return Started(previous, paths, "running", protections)
    if unprotected_warning(protections) and not allow_unprotected:
        raise RuntimeError(unprotected_warning(protections) + " (--unprotected starts it anyway)")
    protect_secrets(course)  # solutions and grades: the grader's alone, before any kernel runs
    for folder in (root, paths.folder):
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o711)  # traversable, not listable: a kernel user reaches its own only
    paths.state.mkdir(mode=0o700, exist_ok=True)
    made = prepare_workspace(course, paths.workspace)
    if not made and os.geteuid() == 0:  # left by a server that did not stop cleanly
        chown_tree(paths.workspace, os.geteuid(), os.getegid())
    now = time.time()
    record = SessionRecord(
        candidate=candidate, course=str(course.root.resolve()),
        candidate_name=candidate_name or (previous.candidate_name if previous else candidate),
        interviewer_name=interviewer_name or (previous.interviewer_name if previous else "Interviewer"),
        candidate_token=secrets.token_urlsafe(24), interviewer_token=secrets.token_urlsafe(24),
        ip=ip, host=_host(ip), port=0, pid=0,
        first_started=previous.first_started if previous else now, started=now,
        planned_minutes=planned_minutes(), protections=protections.summary(),
    )
    for attempt in range(3):
        record.port = port or _free_port(ip)
        write_session_file(paths.workspace, session_text(
            candidate_name=record.candidate_name, minutes=record.planned_minutes,
            started=record.first_started, page_url=record.base_url + "mlscreen/session"))
        write_server_files(paths=paths, record=record, course_root=course.root.resolve())
        process = _spawn(paths)
        record.pid = process.pid
        write_record(paths, record)
        if _wait_ready(process, record):
            return Started(record, paths, "resumed" if not made else "new", protections)
        _stop_process(process.pid)
        if port is not None or "already in use" not in _tail(paths.log):
            break
        _log.info(f"port {record.port} was taken meanwhile: trying another ({attempt + 1}/3)")
    raise RuntimeError(f"the session's server did not start; its log ({paths.log}) ends:\n"
                       f"{_tail(paths.log)}")


def _marker(paths: SessionPaths) -> Path:
    """The config folder only this session's server has in its environment."""
    return Path(jupyter_folders(paths)["JUPYTER_CONFIG_DIR"])


def _host(ip: str) -> str:
    if ip in ("0.0.0.0", "", "::"):
        return socket.gethostname()
    return f"[{ip}]" if ":" in ip else ip


def _free_port(ip: str) -> int:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((ip if ip not in ("", "0.0.0.0") else "", 0))
        return sock.getsockname()[1]


def _spawn(paths: SessionPaths) -> subprocess.Popen:
    with open(paths.log, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "jupyterlab"], cwd=paths.state, env=server_environment(paths),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(process: subprocess.Popen, record: SessionRecord) -> bool:
    """True once the server answers and the session extension (the sandbox) is loaded."""
    local = "127.0.0.1" if record.ip in ("0.0.0.0", "") else record.ip.strip("[]")
    local = f"[{local}]" if ":" in local else local
    url = f"http://{local}:{record.port}/mlscreen/api/session"
    request = urllib.request.Request(url, headers={"Authorization": f"token {record.interviewer_token}"})
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(request, timeout=2) as reply:
                if reply.status == 200 and json.load(reply).get("candidate") == record.candidate:
                    return True
        except (OSError, ValueError):  # not listening yet, or not the session's extension
            pass
        time.sleep(0.25)
    return False


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace") if path.is_file() else ""
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


# -- listing and stopping ---------------------------------------------------------------


@dataclass(frozen=True)
class SessionState:
    """One session as `mlscreen sessions` shows it."""

    record: SessionRecord
    paths: SessionPaths
    running: bool
    submissions: int


def list_sessions(*, sessions: Path | None = None) -> list[SessionState]:
    """Every session on this machine (running or stopped), by candidate."""
    states = []
    for paths in all_paths(sessions):
        record = read_record(paths)
        if record is None:
            continue
        running = is_running(record.pid, _marker(paths))
        count = 0
        if paths.submissions.is_file():
            count = sum(1 for line in paths.submissions.read_text().splitlines() if line.strip())
        states.append(SessionState(record, paths, running, count))
    return states


def stop_session(*, candidate: str, sessions: Path | None = None) -> list[str]:
    """Stop the candidate's session and everything it started; what was done, line by line."""
    paths = SessionPaths.of(candidate, sessions)
    record = read_record(paths)
    if record is None:
        raise FileNotFoundError(f"no session for {candidate}")
    done = []
    marker = _marker(paths)
    if is_running(record.pid, marker):
        graceful = _stop_process(record.pid, marker)
        done.append("server stopped" + ("" if graceful else " (killed: it did not stop in time)"))
    else:
        done.append("server was not running")
    with _session_user(paths) as uid:  # the kernel user, if no one else holds it now
        left = _stop_leftovers(paths, uid)
        if left:
            done.append(f"stopped {left} process(es) it had left")
        if os.geteuid() == 0 and paths.workspace.is_dir() and paths.workspace.stat().st_uid != 0:
            chown_tree(paths.workspace, os.geteuid(), os.getegid())
            done.append("workspace given back to the grader")
        still = processes_of_session(paths, uid)
    record.stopped = time.time()
    write_record(paths, record)
    if still:
        raise RuntimeError(f"processes of {candidate}'s session still run: {still}")
    done.append("nothing of the session is running")
    return done


def _stop_process(pid: int, marker: Path | None = None) -> bool:
    """SIGTERM (the server shuts its kernels and sandbox down), then SIGKILL its process group."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    graceful = False
    while time.monotonic() < deadline:
        if not _alive(pid):
            graceful = True
            break
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    return graceful


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError, OSError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@contextlib.contextmanager
def _session_user(paths: SessionPaths) -> Iterator[int | None]:
    """The uid of the kernel user the session held, with its slot held meanwhile; None if the
    slot is in use again (a grading run or another session has it: its processes are theirs)."""
    live = read_live(paths)
    uid, name = live.get("uid"), live.get("user")
    if not isinstance(uid, int) or uid == 0 or not isinstance(name, str) \
            or not name.startswith(USER_PREFIX) or not name[len(USER_PREFIX):].isdigit():
        yield None
        return
    try:
        handle = open(LOCK_DIR / f"slot-{name[len(USER_PREFIX):]}.lock", "a+")  # noqa: SIM115
    except OSError:
        yield None
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        try:
            yield uid
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def processes_of_session(paths: SessionPaths, uid: int | None = None) -> list[int]:
    """Live processes of the session: any working in its workspace, and `uid`'s (its kernel
    user, while the caller holds that user's slot)."""
    workspace = os.path.realpath(paths.workspace)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            status = (entry / "status").read_text()
            if "\nState:\tZ" in status:
                continue
            owner = int(status.split("\nUid:\t", 1)[1].split()[0])
            cwd = os.readlink(entry / "cwd")
            if (uid is not None and owner == uid) or cwd == workspace or \
                    cwd.startswith(workspace + os.sep):
                found.append(int(entry.name))
    return found


def _stop_leftovers(paths: SessionPaths, uid: int | None) -> int:
    stopped = 0
    for _ in range(50):
        pids = processes_of_session(paths, uid)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                stopped += 1
        time.sleep(0.05)
    return stopped


__all__ = ["SessionState", "Started", "jupyter_folders", "limits_statement", "list_sessions",
           "start_session", "stop_session", "unprotected_warning"]
