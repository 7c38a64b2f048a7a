"""The interviewer companion as an app: what the notebook displays, and `mlscreen interview`."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .course import Course

COMPANION_NOTEBOOK = Path("notebooks") / "interviewer.ipynb"

_READY_TIMEOUT_S = 60.0
_STOP_GRACE_S = 10.0


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
        if not _wait_until_listening(server, port):
            print(f"mlscreen interview: the server did not start on port {port}", file=sys.stderr)
            _stop(server)
            return server.returncode or 1
        print(f"Interviewer companion: {url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        return server.wait()
    except KeyboardInterrupt:
        _stop(server)
        return 0


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
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    server.wait()


def companion(candidate=None, interviewer=None):  # placeholder
    import ipywidgets as w
    c = w.Checkbox(description="tick me")
    c.add_class("mlscreen-x")
    return c
