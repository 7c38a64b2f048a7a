"""The checker: a thread of the grading process that holds every fresh case's truth, outside the kernel.

Why a thread of the grader, and not a process forked beside the kernel: the truth then lives only
in the grading process, which the candidate's kernel cannot reach at all. The kernel runs in
another process, in a jail without the course directory, as another user where the grader is
root; it shares no memory, no file and no environment variable with the grader. Its one way in
is a Unix socket beside its connection file, reachable by its own user only, that speaks plain
JSON. Over it the kernel can ask for the next case of the cell being graded (inputs only) and
answer a case, once; it never receives an expected value, a seed or a reference function.

Which cell is being graded is told by the grading process (`begin`), never by the kernel. After
the cell, `enforce` adds an error to its outputs unless the checker itself confirmed every case
of its plan: a kernel that fakes a pass, skips the checks or answers for another cell scores 0.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from .metric_cases import PLANS as _METRIC_PLANS
from .plans import Context, Plan
from .secret import case_seed, read_secret
from .table_cases import PLANS as _TABLE_PLANS
from .ticket_cases import PLANS as _TICKET_PLANS

_log = logging.getLogger(__name__)
PLANS: dict[str, Plan] = {plan.test: plan for plan in [*_TABLE_PLANS, *_TICKET_PLANS, *_METRIC_PLANS]}
_LIMIT = 32 * 1024 * 1024
_DRAWS = 200  # at most this many draws for a case that holds every behaviour (a test shows 1-3 do)
NOT_CONFIRMED = "NotConfirmed"


@dataclass
class _Case:
    test: str
    index: int
    truth: Any
    verdict: bool | None = None


@dataclass
class _Cell:
    plan: Plan
    issued: list[int] = field(default_factory=list)  # case numbers, in order


def make_case(plan: Plan, secret: bytes, candidate: str, index: int, context: Context) -> tuple[dict, Any]:
    """Case `index` of `plan` for `candidate`: the first draw that holds every behaviour."""
    for attempt in range(_DRAWS):
        inputs, truth = plan.make(case_seed(secret, candidate, plan.test, index, attempt), index, context)
        if plan.covers is None or plan.covers(inputs, truth):
            return inputs, truth
    raise RuntimeError(f"no case of {plan.test} holds every behaviour after {_DRAWS} draws")


class Checker:
    """The checks of one notebook of one candidate (a regrade makes the very same cases)."""

    def __init__(self, *, secret: bytes, candidate: str, materials: Path | None):
        self._secret, self._candidate = secret, candidate
        self._context = Context(materials=materials)
        self._lock = threading.Lock()
        self._cases: list[_Case] = []
        self._cells: dict[str, _Cell] = {}
        self._current: str | None = None
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.path: Path | None = None

    @classmethod
    def for_notebook(cls, *, root: Path, candidate: str, materials: Path | None) -> Checker:
        return cls(secret=read_secret(root), candidate=candidate, materials=materials)

    # -- the grading process's side ------------------------------------------------------------

    def listen(self, connection_file: str, owner: tuple[int, int] | None = None) -> None:
        """Serve the kernel whose connection file is `connection_file` (idempotent)."""
        if self._server is not None:
            return
        stem, _ = os.path.splitext(connection_file)
        self.path = Path(stem + ".checker")
        self.path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        os.chmod(self.path, 0o600)
        if owner is not None:
            os.chown(self.path, *owner)
        server.listen(4)
        self._server = server
        self._thread = threading.Thread(target=self._serve, name="mlscreen-checker", daemon=True)
        self._thread.start()

    def begin(self, grade_id: str | None) -> None:
        """The grading process is about to run the cell `grade_id` (None: not a test cell)."""
        with self._lock:
            self._current = grade_id
            if grade_id in PLANS and grade_id not in self._cells:
                self._cells[grade_id] = _Cell(PLANS[grade_id])

    def confirmed(self, grade_id: str) -> bool | None:
        """Did the checker confirm every case of `grade_id`'s plan? (None: the cell has no verdicts.)"""
        with self._lock:
            plan = PLANS.get(grade_id)
            if plan is None or plan.judge is None:
                return None
            cell = self._cells.get(grade_id)
            issued = cell.issued if cell else []
            return len(issued) == plan.count and all(self._cases[n].verdict is True for n in issued)

    def enforce(self, cell: NotebookNode) -> None:
        """After a test cell ran: an error output unless the checker confirmed every case it needs."""
        self.begin(None)  # from now on the kernel gets nothing more for this cell
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("cell_type") != "code" or not grade_id or self.confirmed(grade_id) in (None, True):
            return
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            return
        text = "the checker did not confirm every case of this test"
        cell.setdefault("outputs", []).append(NotebookNode(
            output_type="error", ename=NOT_CONFIRMED, evalue=text, traceback=[f"{NOT_CONFIRMED}: {text}"]))

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    # -- the kernel's side, over the socket ------------------------------------------------------

    def _serve(self) -> None:
        while self._server is not None:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(30)
                    reply = self._reply(_read(conn))
                    conn.sendall((json.dumps(reply, allow_nan=False) + "\n").encode("utf-8"))
                except Exception as err:  # a broken request costs the kernel its answer, never the grader
                    _log.debug("checker request failed: %s", err)

    def _reply(self, message: Any) -> dict:
        if not isinstance(message, dict):
            return {"error": "the checker speaks JSON objects"}
        with self._lock:
            cell = self._cells.get(self._current or "")
            if cell is None:
                return {"error": "this cell has no checked cases"}
            if message.get("op") == "case":
                return self._next_case(cell)
            if message.get("op") == "answer":
                return self._answer(cell, message.get("case"), message.get("result"))
        return {"error": "unknown request"}

    def _next_case(self, cell: _Cell) -> dict:
        index = len(cell.issued)
        if index >= cell.plan.count:
            return {"done": True}
        inputs, truth = make_case(cell.plan, self._secret, self._candidate, index, self._context)
        self._cases.append(_Case(cell.plan.test, index, truth))
        cell.issued.append(len(self._cases) - 1)
        return {"case": len(self._cases) - 1, "inputs": inputs}

    def _answer(self, cell: _Cell, number: Any, result: Any) -> dict:
        if not isinstance(number, int) or number not in cell.issued:
            return {"error": "no such case in this test"}
        case = self._cases[number]
        if case.verdict is not None:
            return {"error": "this case was answered already (each case is answered once)"}
        if cell.plan.judge is None:
            return {"error": "this case is judged in the test itself"}
        message = cell.plan.judge(case.truth, result, self._context)
        case.verdict = message is None
        case.truth = None  # nothing of the truth outlives the answer
        return {"ok": case.verdict, "message": message or ""}


def _read(conn: socket.socket) -> Any:
    chunks, size = [], 0
    while chunk := conn.recv(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > _LIMIT:
            raise ValueError("request too large")
        if chunk.endswith(b"\n"):
            break
    return json.loads(b"".join(chunks).decode("utf-8"))
