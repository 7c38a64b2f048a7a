"""The interviewer companion: what the notebook displays (`companion`), and `mlscreen interview`."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

from ..common.files import write_atomic
from ..common.ids import validate_id
from ..course.layout import Course
from .companion_view import CompanionView, SessionPicker
from .session_view import InterviewView
from .store import ScorecardStore

COMPANION_NOTEBOOK = Path("notebooks") / "interviewer.ipynb"

_SESSION_FILE = ".companion-session.json"
"""In the scorecards folder: the session last opened, reopened when the notebook runs again."""
_LIVE: weakref.WeakSet[CompanionView] = weakref.WeakSet()
"""Companions displayed by this kernel (one at a time)."""
_READY_TIMEOUT_S = 60.0
_STOP_GRACE_S = 10.0


def companion(
    candidate: str | None = None,
    interviewer: str | None = None,
    profile: str | None = None,
    *,
    course: Course | None = None,
) -> CompanionView:
    """The companion the notebook displays: pickers, then the interviewer's session.

    Without arguments it reopens the session last opened on this course, so re-running the
    notebook (after a kernel restart, or in a new browser tab) shows every tick as it was.
    """
    course = course or Course.discover()
    _close_earlier_companions()
    store = ScorecardStore(course)
    last = _last_session(course)
    candidate = candidate or last.get("candidate", "")
    interviewer = interviewer or last.get("interviewer", "")
    if profile is None and candidate:
        same = candidate == last.get("candidate")
        profile = _profile_of(store, candidate) or (last.get("profile") if same else None)
    picker = SessionPicker(
        candidates=_known_candidates(course, store),
        profiles=store.bank.profiles,
        candidate=candidate,
        interviewer=interviewer,
        profile=profile,
        profile_of=lambda who: _profile_of(store, who),
    )
    view = CompanionView(picker, lambda c, i, p: _open_session(course, store, c, i, p))
    if candidate and interviewer and profile:
        try:
            view.open_session(candidate, interviewer, profile)
        except (OSError, ValueError, KeyError):
            pass  # a stale or invalid remembered session: the picker stays, prefilled
    _LIVE.add(view)
    return view


def _close_earlier_companions() -> None:
    """Close companions shown before in this kernel, so no stale copy of a card can save."""
    for earlier in list(_LIVE):
        earlier.close()
        _LIVE.discard(earlier)


def _open_session(
    course: Course, store: ScorecardStore, candidate: str, interviewer: str, profile: str
) -> InterviewView:
    validate_id(candidate, "candidate id")
    validate_id(interviewer, "interviewer id")
    session = InterviewView(
        store,
        candidate=candidate,
        interviewer=interviewer,
        profile=profile,
        coding_scores=lambda: _coding_scores(course, candidate),
    )
    _remember_session(
        course, {"candidate": candidate, "interviewer": interviewer, "profile": profile}
    )
    return session


def _profile_of(store: ScorecardStore, candidate: str) -> str | None:
    """The role profile on a candidate's existing scorecards, if any."""
    try:
        cards = store.scorecards(candidate)
    except (OSError, ValueError):
        return None
    return cards[0].profile_id if cards else None


def _coding_scores(course: Course, candidate: str) -> list:
    """The candidate's autograded notebook scores (nbgrader is imported only if graded)."""
    if not course.gradebook.exists():
        return []
    from ..course.gradebook import notebook_scores

    return notebook_scores(course, candidate)


def _session_file(course: Course) -> Path:
    return course.scorecards / _SESSION_FILE


def _last_session(course: Course) -> dict[str, str]:
    """The session last opened on this course ({} if none or unreadable)."""
    try:
        data = json.loads(_session_file(course).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _remember_session(course: Course, session: dict[str, str]) -> None:
    """Note the session for the next run (a convenience: failing to note it loses no score)."""
    path = _session_file(course)
    try:
        write_atomic(path, json.dumps(session, indent=2) + "\n")
    except OSError:
        pass


def _known_candidates(course: Course, store: ScorecardStore) -> list[str]:
    """Candidates with a scorecard or a submission, for the picker's suggestions."""
    return sorted(set(store.candidates()) | set(course.submitted_students()))


# --- `mlscreen interview` --------------------------------------------------------------


def launch(*, course: Course, port: int = 8866, lab: bool = False) -> int:
    """Serve the companion (Voilà, or JupyterLab if `lab`), print its URL, block until Ctrl-C."""
    notebook = course.root / COMPANION_NOTEBOOK
    if not notebook.is_file():
        raise FileNotFoundError(f"no interviewer notebook at {notebook}")
    if _is_listening(port):
        raise RuntimeError(f"port {port} is already in use: pass another with --port")
    token = secrets.token_urlsafe(24)
    command, url = (_lab_command if lab else _voila_command)(course, port, token)
    env = {**os.environ, "MLSCREEN_ROOT": str(course.root)}
    server = subprocess.Popen(
        command, cwd=course.root, env=env, stdin=subprocess.DEVNULL, start_new_session=True
    )
    try:
        with _sigterm_as_ctrl_c():
            if not _wait_until_listening(server, port):
                print(f"mlscreen interview: no server started on port {port}", file=sys.stderr)
                return server.poll() or 1
            print(f"Interviewer companion: {url}", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
            return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(server)


@contextlib.contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so that the server (in its own session) is stopped too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _voila_command(course: Course, port: int, token: str) -> tuple[list[str], str]:
    command = [
        sys.executable, "-m", "voila", str(COMPANION_NOTEBOOK),
        "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
        f"--token={token}",
    ]
    return command, f"http://127.0.0.1:{port}/?token={token}"


def _lab_command(course: Course, port: int, token: str) -> tuple[list[str], str]:
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course.root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    path = COMPANION_NOTEBOOK.as_posix()
    return command, f"http://127.0.0.1:{port}/lab/tree/{path}?token={token}"


def _wait_until_listening(server: subprocess.Popen, port: int) -> bool:
    """True once something accepts TCP connections on `port`; False if the server exits first."""
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        if _is_listening(port):
            return True
        time.sleep(0.2)
    return False


def _is_listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM (the server shuts its kernels down), then SIGKILL to its process group."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=_STOP_GRACE_S)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            pass  # impatient: kill it
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    server.wait()
