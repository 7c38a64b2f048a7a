"""nbgrader's Execute with each notebook's kernel in a jail, and a crash costing one notebook.

Listed in `Autograde.autograde_preprocessors` by the course settings, so plain
`nbgrader autograde` and `mlscreen grade` both grade this way. What happened to a kernel
(it died, stopped answering, left processes behind) is written beside the graded notebook
(`<name>.ipynb.sandbox.json`) for the grading summary.
"""

from __future__ import annotations

import json
import logging
import signal
from pathlib import Path
from typing import Any

from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool

from ..checking import checker_for
from ..checking.attach import owner_of
from .jail import Jail, open_jail
from .kernel_manager import JailedKernelManager
from .policy import Protections, detect
from .processes import user_processes_left
from .template import shared_template

_log = logging.getLogger(__name__)
REPORT_SUFFIX = ".sandbox.json"
OUTPUT_BUDGET = 1_000_000  # characters of printed text a cell keeps (nbgrader cuts lines, not size)
_told: set[str] = set()
# sent (silently) before the first code cell after a notebook's last test: see testkit.after_the_tests
_AFTER_THE_TESTS = "__import__('mlscreen.kernel.testkit', fromlist=['after_the_tests']).after_the_tests()"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _cut_long_output(cell: NotebookNode) -> bool:
    """Keep the first OUTPUT_BUDGET characters of a cell's printed text; True if any was cut."""
    room, cut = OUTPUT_BUDGET, False
    for output in cell.get("outputs", []):
        if output.get("output_type") != "stream":
            continue
        text = output.get("text", "")
        if len(text) > room:
            output["text"] = text[:room] + f"\n[output cut: over {OUTPUT_BUDGET:,} characters]\n"
            cut = True
        room = max(0, room - len(text))
    return cut


def describe_exit(code: int | None) -> str:
    """A grader's words for how a kernel process ended."""
    if code is None:
        return "the kernel stopped responding"
    number = -code if code < 0 else code - 128 if code > 128 else None
    if number:
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        hint = {"SIGXCPU": " (its CPU-time limit)", "SIGKILL": " (killed: a resource limit or the grader)",
                "SIGSEGV": " (a crash in native code)", "SIGXFSZ": " (its file-size limit)"}.get(name, "")
        return f"the kernel was ended by {name}{hint}"
    return f"the kernel exited with code {code} (os._exit, or an exit outside a cell)"


class SandboxedExecute(Execute):
    """Execute every cell in a jailed kernel; after a dead or stuck kernel, the rest is not run."""

    template_kernel = Bool(False, help=(
        "Fork each kernel from a template process that has imported the kernel's modules once "
        "(same jail, about 1.5 s of CPU less per notebook). `mlscreen grade` turns it on; it "
        "applies only where the jail has namespaces, its own user and limits.")).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None):
        protections = detect()
        if protections.summary() not in _told:
            _told.add(protections.summary())
            self.log.warning(protections.summary())
        metadata = resources.setdefault("metadata", {})
        folder = Path(metadata.get("path") or ".")
        self._report: dict[str, Any] = {"protections": protections.summary()}
        self._stopped: str | None = None
        self._timeouts_in_a_row = 0
        self._timed_out = False
        self._last_test = max((i for i, c in enumerate(nb.cells)
                               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")), default=None)
        self._past_the_tests = False
        self._checker = checker_for(self.config, resources)  # the fresh cases' truth, outside the kernel
        try:
            if not protections.enabled:
                self._jail = None
                return super().preprocess(nb, resources, km)
            with open_jail(protections=protections, files_from=folder) as jail:
                self._jail = jail
                metadata["path"] = str(jail.workdir)
                try:
                    return super().preprocess(nb, resources, km)
                finally:
                    metadata["path"] = str(folder)
        finally:
            self._checker.close()
            self._jail = None
            self._write_report(folder, resources)

    def create_kernel_manager(self):
        if self._jail is None:
            return super().create_kernel_manager()
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        template = shared_template(self._jail.protections, self._jail.limits) if self.template_kernel else None
        self.km = JailedKernelManager(jail=self._jail, template=template, kernel_name=self.kernel_name,
                                      config=self.config)
        return self.km

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int):
        if self._stopped is not None:
            if cell.cell_type == "code":
                cell.outputs = [_error("NotRun", f"not run: {self._stopped}")]
                cell.execution_count = None
            return cell, self.resources
        self._timed_out = False
        if cell.cell_type == "code":
            self._tell_when_past_the_tests(index)
        self._checker.listen(self.km.connection_file, owner_of(self._jail))
        self._checker.begin(cell.metadata.get("nbgrader", {}).get("grade_id") if cell.cell_type == "code" else None)
        try:
            result = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped = describe_exit(self._exit_code())
            self._report.update(died_in_cell=index, reason=self._stopped)
            cell.outputs.append(_error("KernelDied", f"{self._stopped} while running this cell"))
            return cell, self.resources
        self._checker.enforce(cell)  # a hidden test's score is the checker's verdict
        if not self._timed_out:
            self._timeouts_in_a_row = 0
        if _cut_long_output(cell):
            self._report.setdefault("output_cut_in_cells", []).append(index)
        return result

    def _tell_when_past_the_tests(self, index: int) -> None:
        """Before the first code cell after the last test, the kernel lowers its cell limit to the
        call limit: those cells change no score (`testkit.after_the_tests`). Requests run in
        order, so it applies from this cell on; nbclient passes over the silent request's reply."""
        if self._past_the_tests or self._last_test is None or index <= self._last_test or self.kc is None:
            return
        self._past_the_tests = True
        self.kc.execute(_AFTER_THE_TESTS, silent=True, store_history=False, stop_on_error=False)

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None):
        """A first timeout interrupts (as nbgrader does); a kernel still stuck at the next is ended."""
        self._timed_out = True
        self._timeouts_in_a_row += 1
        if self._timeouts_in_a_row >= 2 and self.km is not None:
            self._stopped = (f"the kernel stopped answering for {2 * timeout} s, ignoring interrupts, "
                             "and was ended")
            self._report.update(stuck_in_cell=self.code_cells_executed, reason=self._stopped)
            await self.km.shutdown_kernel(now=True)
            return {"content": {**self.error_on_timeout, "status": "error"}}
        return await super()._async_handle_timeout(timeout, cell)

    async def _async_cleanup_kernel(self) -> None:
        jail = self._jail
        if jail is not None and jail.user is not None and self.km is not None:
            alive = await self.km.is_alive()
            left = user_processes_left(jail.user.uid) - (1 if alive else 0)
            if left > 0:
                self._report["processes_left"] = left
        await super()._async_cleanup_kernel()

    # nbclient binds its synchronous wrapper to its own coroutine: bind it to this one
    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    def _exit_code(self) -> int | None:
        if isinstance(self.km, JailedKernelManager):
            return self.km.exit_code
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return None if process is None else process.poll()

    def _write_report(self, folder: Path, resources: Any) -> None:
        name = (resources.get("unique_key") or "notebook") + ".ipynb"
        path = folder / f"{name}{REPORT_SUFFIX}"
        try:
            path.write_text(json.dumps(self._report, indent=1) + "\n", encoding="utf-8")
        except OSError as err:  # the grade stands without the note
            _log.warning("could not write %s: %s", path, err)


def protections_line() -> str:
    """The line a grading run starts with (what protects this batch)."""
    return detect().summary()


__all__ = ["REPORT_SUFFIX", "Jail", "Protections", "SandboxedExecute", "describe_exit", "protections_line"]
