"""The session's server extension: its sandbox, its page, and the interviewer's submit action.

Loaded into the session's Jupyter server (`jpserver_extensions`), it opens the live sandbox
(`mlscreen.sandbox.live`) before any kernel can start and closes it when the server stops
(kernels first, then every process of the kernel user, then the workspace back to the grader).
`/mlscreen/session` is the session page: the planned duration and the time left for both, and
for the interviewer one button, "Submit and grade now", which runs `mlscreen submit CANDIDATE`
(copy into `submitted/`, grade at once) as the grader, outside this server.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import sys
import threading
import time
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from traitlets import Dict, Float, Int, Unicode

from ..common.files import write_atomic
from ..sandbox import live
from .identity import SUBMIT_RESOURCE, is_interviewer
from .page import session_page

PAGE_RESOURCE = "mlscreen-session"
EXIT_AFTER_S = 6.0
_LOG_TAIL = 40


def _exit_soon() -> None:
    time.sleep(EXIT_AFTER_S)
    os._exit(0)


class SessionExtension(ExtensionApp):
    """One candidate's session, configured by `mlscreen lab` through the server's config."""

    name = "mlscreen_session"
    load_other_extensions = True

    candidate = Unicode(config=True)
    candidate_name = Unicode(config=True)
    course = Unicode(config=True, help="the course directory that submissions go to")
    state = Unicode(config=True, help="the session's grader-only folder")
    first_started = Float(config=True)
    planned_min = Int(60, config=True)
    planned_max = Int(75, config=True)
    submit_env = Dict(config=True, help="the grader's Jupyter variables, for `mlscreen submit`")

    def initialize_settings(self) -> None:
        # Lab's pages carry the server's token: no page needs one (each user has a cookie)
        self.serverapp.web_app.settings.setdefault("page_config_data", {})["token"] = ""
        workspace = Path(self.serverapp.root_dir)
        sandbox = live.start(workspace)
        self.submitting: asyncio.Task | None = None
        self.last_submit: dict = {}
        user = sandbox.user
        write_atomic(Path(self.state) / "live.json", json.dumps({
            "pid": os.getpid(), "user": user.name if user else None,
            "uid": user.uid if user else None, "protections": sandbox.protections.summary(),
        }) + "\n", mode=0o600)
        self.log.info("mlscreen session for %s: %s", self.candidate, sandbox.protections.summary())

    def initialize_handlers(self) -> None:
        self.handlers.extend([
            ("/mlscreen/session", SessionPageHandler),
            ("/mlscreen/api/session", SessionStatusHandler),
            ("/mlscreen/api/submit", SubmitHandler),
        ])

    async def stop_extension(self) -> None:
        """Kernels first (jupyter_server stops extensions before kernels), then the sandbox.

        The server then exits within `EXIT_AFTER_S`: with collaboration on, a worker thread of
        anyio outlives the event loop and would keep the process alive (its documents are saved
        and the sandbox is closed by then).
        """
        try:
            await self.serverapp.kernel_manager.shutdown_all()
        finally:
            live.stop()
            self.log.info("mlscreen session: kernels stopped, sandbox closed, workspace given back")
            threading.Thread(target=_exit_soon, daemon=True).start()

    # -- what the page and the API show ------------------------------------------------

    def status(self, *, interviewer: bool) -> dict:
        now = time.time()
        state = dict(self.last_submit)
        if self.submitting is not None and not self.submitting.done():
            state["state"] = "grading"
        submissions = []
        history = Path(self.state) / "submissions.jsonl"
        if history.is_file():
            for line in history.read_text(encoding="utf-8").splitlines():
                try:
                    submissions.append(json.loads(line))
                except ValueError:
                    continue
        status = {
            "candidate": self.candidate, "candidate_name": self.candidate_name,
            "planned_minutes": [self.planned_min, self.planned_max],
            "started": self.first_started, "now": now,
            "elapsed_minutes": round((now - self.first_started) / 60, 1),
            "submissions": [{"at": s.get("at"), "folder": s.get("folder")} for s in submissions],
            "submit": {k: v for k, v in state.items() if interviewer or k != "log"},
            "can_submit": interviewer,
        }
        return status

    def start_submit(self) -> bool:
        """Start `mlscreen submit` unless one runs already; False if one does."""
        if self.submitting is not None and not self.submitting.done():
            return False
        self.last_submit = {"state": "grading", "requested": time.time()}
        self.submitting = asyncio.ensure_future(self._submit())
        return True

    async def _submit(self) -> None:
        log = Path(self.state) / "submit.log"
        command = [sys.executable, "-m", "mlscreen.cli", "--root", self.course, "submit",
                   self.candidate]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTER", "JPY_", "IPYTHON"))}
        env.update(self.submit_env)
        with open(log, "wb") as out:
            process = await asyncio.create_subprocess_exec(
                *command, stdin=asyncio.subprocess.DEVNULL, stdout=out,
                stderr=asyncio.subprocess.STDOUT, env=env, cwd=self.course)
            code = await process.wait()
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        self.last_submit = {"state": "done" if code == 0 else "failed", "returncode": code,
                            "finished": time.time(), "log": "\n".join(lines[-_LOG_TAIL:])}


class _Handler(ExtensionHandlerMixin, JupyterHandler):
    auth_resource = PAGE_RESOURCE

    @property
    def session(self) -> SessionExtension:
        return self.extensionapp  # type: ignore[return-value]


class SessionPageHandler(_Handler):
    @web.authenticated
    @authorized(action="read", resource=PAGE_RESOURCE)
    def get(self) -> None:
        interviewer = is_interviewer(self.current_user)
        status = self.session.status(interviewer=interviewer)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(session_page(status, xsrf=html.escape(self.xsrf_token.decode()),
                                 lab_url=self.base_url + "lab"))


class SessionStatusHandler(_Handler):
    @web.authenticated
    @authorized(action="read", resource=PAGE_RESOURCE)
    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(self.session.status(interviewer=is_interviewer(self.current_user))))


class SubmitHandler(_Handler):
    auth_resource = SUBMIT_RESOURCE

    @web.authenticated
    @authorized(action="write", resource=SUBMIT_RESOURCE)
    def post(self) -> None:
        started = self.session.start_submit()
        self.set_status(202 if started else 409)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"started": started,
                                **self.session.status(interviewer=True)["submit"]}))


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "mlscreen.session.extension", "app": SessionExtension}]
