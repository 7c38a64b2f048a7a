"""Fixtures for browser tests: a copy of the course, isolated Jupyter servers, headless Chromium.

Tests skip when Chromium is missing, unless MLSCREEN_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from loopback import free_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TOKEN = "mlscreen-browser-test"
STOP_GRACE_S = 10.0
START_TIMEOUT_S = 60.0
# Every request that does not go to the local servers (fonts from a CDN, news) is aborted.
_NOT_LOCAL = r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"


def _browser_unavailable(reason: str) -> None:
    if os.environ.get("MLSCREEN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (MLSCREEN_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@dataclass
class Server:
    """A server started in its own process group; `url` opens the companion in it."""

    process: subprocess.Popen
    url: str
    root: Path
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the server shuts its kernels down
            try:
                self.process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _start_server(
    command: list[str], *, cwd: Path, env: dict[str, str], log: Path
) -> subprocess.Popen:
    """Start `command` in a new session, its stdout and stderr in `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )


def _wait_for(ready, process: subprocess.Popen, what: str, log: Path) -> None:
    """Poll `ready()` until true; fail with the server log if the process dies or time runs out."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()}")
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready after {START_TIMEOUT_S} s:\n{log.read_text()}")


def _copy_course(dest: Path) -> Path:
    """A course directory holding the repository's nbgrader config and notebooks."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(REPO / "notebooks", dest / "notebooks")
    return dest


@pytest.fixture(scope="session")
def jupyter_env(tmp_path_factory) -> dict[str, str]:
    """Environment for servers: Jupyter dirs isolated from the machine's, the venv first on PATH."""
    base = tmp_path_factory.mktemp("jupyter")
    env = {k: v for k, v in os.environ.items() if k != "MLSCREEN_ROOT"}
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR"):
        (base / var.lower()).mkdir()
        env[var] = str(base / var.lower())
    settings = base / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (one per session)."""
    if not CHROMIUM.exists():
        _browser_unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page that can reach only the local servers."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route(_NOT_LOCAL, lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def lab_server(browser, tmp_path_factory, jupyter_env) -> Iterator[Server]:
    """JupyterLab serving a copy of the course (MLSCREEN_ROOT unset: the notebook finds it)."""
    base_dir = tmp_path_factory.mktemp("lab")
    root, log = _copy_course(base_dir / "course"), base_dir / "server.log"
    port = free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    process = _start_server(command, cwd=root, env=jupyter_env, log=log)
    base = f"http://127.0.0.1:{port}"
    notebook = f"{base}/lab/tree/notebooks/interviewer.ipynb?token={TOKEN}"
    server = Server(process, notebook, root, log)
    try:
        _wait_for(lambda: _status_ok(base), process, "JupyterLab", log)
        yield server
    finally:
        server.stop()


def _status_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def _interview_app(tmp_path_factory, jupyter_env: dict[str, str]) -> Iterator[Server]:
    """`mlscreen interview` (Voilà) on a fresh copy of the course, stopped on the way out."""
    base_dir = tmp_path_factory.mktemp("app")
    root, log = _copy_course(base_dir / "course"), base_dir / "server.log"
    port = free_port()
    command = [sys.executable, "-m", "mlscreen.cli", "--root", str(root), "interview",
               f"--port={port}"]
    process = _start_server(command, cwd=root, env=jupyter_env, log=log)
    server = Server(process, "", root, log)
    try:
        _wait_for(lambda: _printed_url(log) is not None, process, "mlscreen interview", log)
        server.url = _printed_url(log)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def interview_app(browser, tmp_path_factory, jupyter_env) -> Iterator[Server]:
    """`mlscreen interview`, shared by the module's tests; the URL is the one it prints.

    No test may stop it: a test that stops a server takes `own_interview_app`.
    """
    with _interview_app(tmp_path_factory, jupyter_env) as server:
        yield server


@pytest.fixture
def own_interview_app(browser, tmp_path_factory, jupyter_env) -> Iterator[Server]:
    """`mlscreen interview` for one test alone, which may stop it."""
    with _interview_app(tmp_path_factory, jupyter_env) as server:
        yield server


def _printed_url(log: Path) -> str | None:
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Interviewer companion: "):
            return line.split(": ", 1)[1].strip()
    return None
