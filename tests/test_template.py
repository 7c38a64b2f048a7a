"""Kernels forked from the template: the same jail as a kernel started anew, real processes.

Each test starts real kernels through `JailedKernelManager` with one shared template and runs
code in them that tries to see or reach what a plain jailed kernel cannot.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mlscreen.sandbox.jail import open_jail
from mlscreen.sandbox.kernel_client import PromptKernelClient
from mlscreen.sandbox.kernel_manager import JailedKernelManager
from mlscreen.sandbox.limits import Limits
from mlscreen.sandbox.policy import detect
from mlscreen.sandbox.processes import user_processes_left
from mlscreen.sandbox.template import TemplateKernel, usable

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not usable(detect()), reason="the template needs root and bubblewrap (CI has both)"),
]
STARTUP = ["--IPKernelApp.exec_lines=import mlscreen.kernel.testkit"]


@pytest.fixture(scope="module")
def template():
    started = TemplateKernel(detect(), Limits.from_environment())
    yield started
    started.close()
    assert not started.alive


def _run_apart(main):
    """Run the coroutine function `main` on a fresh event loop in its own thread.

    Browser tests earlier in the session may leave Playwright's loop running on this thread,
    where `asyncio.run` refuses to start.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, main()).result()


async def _run(km: JailedKernelManager, code: str) -> str:
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        printed: list[str] = []

        def keep(message: dict) -> None:
            content = message["content"]
            if message["msg_type"] == "stream":
                printed.append(content["text"])
            elif message["msg_type"] == "error":
                printed.append(f"{content['ename']}: {content['evalue']}")
            elif message["msg_type"] == "display_data" and "image/png" in content["data"]:
                printed.append(" figure-shown")

        await client.execute_interactive(code, timeout=60, output_hook=keep)
        return "".join(printed)
    finally:
        client.stop_channels()


def _in_forked_kernel(template: TemplateKernel, code: str, **jail_options) -> tuple[str, dict]:
    """What `code` prints in a kernel forked from `template` into a fresh jail, and the jail's facts."""
    async def main():
        with open_jail(protections=detect(), **jail_options) as jail:
            km = JailedKernelManager(jail=jail, template=template, kernel_name="python3")
            await km.start_kernel(extra_arguments=STARTUP)
            try:
                assert km.format_kernel_cmd()[3].endswith("relay.py")  # really forked, not started anew
                printed = await _run(km, code)
            finally:
                await km.shutdown_kernel(now=True)
            return printed, {"uid": jail.user.uid, "gid": jail.user.gid, "root": str(jail.root),
                             "limits": jail.limits.rlimits(limit_processes=True)}

    return _run_apart(main)


def test_a_forked_kernel_sees_only_its_own_jail_as_its_own_user(template):
    with open_jail(protections=detect()) as neighbour:
        (neighbour.workdir / "answers.txt").write_text("another candidate's")
        odd = Limits(cpu_seconds=321, memory_bytes=3000 * 2**20, processes=37, file_bytes=77 * 2**20, open_files=99)
        printed, facts = _in_forked_kernel(template, f"""
import json, os, resource, socket
facts = {{"limits": {{name: resource.getrlimit(getattr(resource, "RLIMIT_" + name.upper()))
                     for name in ("cpu", "as", "fsize", "nofile", "core", "nproc")}},
    "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "pids": sorted(
    int(p) for p in os.listdir("/proc") if p.isdigit()), "pid": os.getpid(), "cwd": os.getcwd(),
    "status": [l.split()[1] for l in open("/proc/self/status") if l.startswith(("CapEff", "CapBnd", "NoNewPrivs"))],
    "neighbour": os.path.exists({str(neighbour.root)!r}), "template_folder": os.path.exists({str(template.folder)!r})}}
for name, target in (("internet", ("1.1.1.1", 80)), ("template", {str(template.socket)!r})):
    try:
        if name == "template":
            socket.socket(socket.AF_UNIX).connect(target)
        else:
            socket.create_connection(target, timeout=2)
        facts[name] = "REACHED"
    except OSError as error:
        facts[name] = type(error).__name__
print(json.dumps(facts))
""", limits=odd)
    seen = json.loads(printed)
    assert facts["limits"] == odd.rlimits(limit_processes=True)
    assert seen["limits"] == {name: [value, value] for name, value in facts["limits"].items()}
    assert (seen["uid"], seen["gid"], seen["groups"]) == (facts["uid"], facts["gid"], [])
    assert seen["uid"] != 0 and seen["status"] == ["0000000000000000", "0000000000000000", "1"]
    assert seen["pids"] == [1, 2] and seen["pid"] == 2  # a fresh process tree: an init and the kernel
    assert seen["cwd"] == os.path.join(facts["root"], "work")
    assert not seen["neighbour"] and not seen["template_folder"]
    assert seen["internet"] != "REACHED" and seen["template"] != "REACHED"


def test_each_forked_kernel_starts_fresh_with_the_modules_already_imported(template):
    code = """
import sys
preloaded = all(name in sys.modules for name in ("sklearn.linear_model", "pandas", "matplotlib.pyplot"))
import numpy, random
print(preloaded, numpy.random.rand(), random.random(), end="")
import matplotlib.pyplot as plt
plt.plot([1, 2, 3])
plt.show()
"""
    first, _ = _in_forked_kernel(template, code)
    second, _ = _in_forked_kernel(template, code)
    assert first.split()[0] == second.split()[0] == "True"
    assert first.split()[1] != second.split()[1] and first.split()[2] != second.split()[2]
    assert first.split()[3:] == second.split()[3:] == ["figure-shown"], "a figure shows inline, as in any kernel"


_START_UP = """
import importlib, json, os, sys
from mlscreen.kernel import template
os.environ["MPLBACKEND"] = template.MATPLOTLIB_BACKEND
for name in template.PRELOADED:
    importlib.import_module(name)
before = set(sys.modules)
from ipykernel.kernelapp import IPKernelApp
IPKernelApp.instance().initialize(["-f", sys.argv[2]])  # what a forked kernel does first
with open(sys.argv[1], "w") as out:  # not print: the kernel now owns stdout
    json.dump(sorted(set(sys.modules) - before), out)
os._exit(0)
"""


def test_the_template_preloads_what_a_kernels_start_up_imports(tmp_path):
    found = tmp_path / "imported.json"
    done = subprocess.run([sys.executable, "-c", _START_UP, str(found), str(tmp_path / "kernel.json")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = json.loads(found.read_text())
    heavy = [m for m in imported if m.split(".")[0] in ("debugpy", "pydevd", "_pydevd_bundle", "sqlite3", "pdb")]
    assert not heavy, f"imported anew by every kernel: {heavy[:5]}"
    assert len(imported) < 20, imported  # a handful of small modules at most


def test_the_relay_ends_with_the_kernels_exit_code_and_takes_its_processes_along(template):
    async def main():
        with open_jail(protections=detect()) as jail:
            km = JailedKernelManager(jail=jail, template=template, kernel_name="python3")
            await km.start_kernel(extra_arguments=STARTUP)
            client = km.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            client.execute("import subprocess, os\nsubprocess.Popen(['sleep', '300'], start_new_session=True)\n"
                           "import time; time.sleep(0.5); os._exit(7)")
            for _ in range(200):
                if km.exit_code is not None:
                    break
                await asyncio.sleep(0.05)
            code = km.exit_code
            client.stop_channels()
            for _ in range(100):  # the detached sleep went with the kernel's process namespace
                if user_processes_left(jail.user.uid) == 0:
                    break
                time.sleep(0.05)
            left = user_processes_left(jail.user.uid)
            await km.shutdown_kernel(now=True)
            return code, left

    code, left = _run_apart(main)
    assert code == 7
    assert left == 0


def test_killing_the_relay_kills_the_kernel(template):
    async def main():
        with open_jail(protections=detect()) as jail:
            km = JailedKernelManager(jail=jail, template=template, kernel_name="python3")
            await km.start_kernel(extra_arguments=STARTUP)
            await _run(km, "x = 1")
            assert user_processes_left(jail.user.uid) == 1
            await km.shutdown_kernel(now=True)  # SIGKILL to the relay: no shutdown request
            for _ in range(100):
                if user_processes_left(jail.user.uid) == 0:
                    break
                time.sleep(0.05)
            return user_processes_left(jail.user.uid)

    assert _run_apart(main) == 0


def test_a_kernel_is_ready_without_fixed_waits_and_a_dead_one_is_reported(template):
    """The prompt client hands over a kernel whose IOPub is connected (the first cell's
    output is all there, and only its own), and says so when the kernel died at start-up."""
    async def main():
        with open_jail(protections=detect()) as jail:
            km = JailedKernelManager(jail=jail, template=template, kernel_name="python3")
            await km.start_kernel(extra_arguments=STARTUP)
            try:
                assert isinstance(km.client(), PromptKernelClient)
                first = await _run(km, "print('first')")
            finally:
                await km.shutdown_kernel(now=True)
        with open_jail(protections=detect()) as jail:
            km = JailedKernelManager(jail=jail, template=template, kernel_name="python3")
            await km.start_kernel(extra_arguments=["--IPKernelApp.exec_lines=import os; os._exit(3)"])
            client = km.client()
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=30)
            except RuntimeError as error:
                died = str(error)
            else:
                died = None
            finally:
                client.stop_channels()
                await km.shutdown_kernel(now=True)
        return first, died

    first, died = _run_apart(main)
    assert first == "first\n"
    assert died is not None and "died" in died
