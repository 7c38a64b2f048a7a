"""The sandbox's pieces that need no kernel: the protections line, limits, exit reasons, output cuts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import nbformat
import pytest

from mlscreen.sandbox.execute import OUTPUT_BUDGET, _cut_long_output, describe_exit
from mlscreen.sandbox.limits import Limits
from mlscreen.sandbox.policy import Protections, detect
from mlscreen.sandbox.processes import stop_user_processes


def test_the_line_says_what_is_on_what_is_off_and_how_to_turn_it_on():
    full = Protections(enabled=True, namespaces=True, own_user=True, limits=True).summary()
    assert "OFF" not in full and "unprivileged user" in full and "no network" in full
    user = Protections(enabled=True, namespaces=True, own_user=False, limits=True).summary()
    assert "OFF: an unprivileged user of its own (run grading as root" in user
    container = Protections(enabled=True, namespaces=False, own_user=True, limits=True,
                            why_no_namespaces="Creating new namespace failed").summary()
    assert "OFF: no course directory, no network" in container and "Creating new namespace failed" in container
    bare = Protections(enabled=True, namespaces=False, own_user=False, limits=True, why_no_namespaces="x").summary()
    assert "stopping processes that detach themselves" in bare and "process group" in bare
    off = Protections(enabled=False, namespaces=False, own_user=False, limits=False).summary()
    assert off.startswith("sandbox: OFF") and "grader's rights" in off


def test_the_switch_takes_known_modes_only(monkeypatch):
    monkeypatch.setenv("MLSCREEN_SANDBOX", "off")
    assert not detect().enabled
    monkeypatch.setenv("MLSCREEN_SANDBOX", "no-namespaces")
    assert detect().enabled and not detect().namespaces
    monkeypatch.setenv("MLSCREEN_SANDBOX", "sometimes")
    with pytest.raises(ValueError, match="MLSCREEN_SANDBOX='sometimes': use one of on, no-namespaces, off"):
        detect()


def test_limits_come_from_the_environment_and_bad_values_are_refused(monkeypatch):
    monkeypatch.setenv("MLSCREEN_KERNEL_MEMORY_MB", "512")
    monkeypatch.setenv("MLSCREEN_KERNEL_PROCESSES", "7")
    limits = Limits.from_environment()
    assert limits.memory_bytes == 512 * 1024 * 1024 and limits.processes == 7
    assert "--nproc=7" in limits.prlimit_arguments(limit_processes=True)
    assert not any(a.startswith("--nproc") for a in limits.prlimit_arguments(limit_processes=False))
    monkeypatch.setenv("MLSCREEN_KERNEL_CPU_SECONDS", "soon")
    with pytest.raises(ValueError, match="MLSCREEN_KERNEL_CPU_SECONDS must be a whole number"):
        Limits.from_environment()


def test_the_limits_really_bind_the_command_they_wrap():
    limits = Limits(cpu_seconds=7, memory_bytes=300 * 1024 * 1024, file_bytes=1024)
    probe = "import resource as r; print(r.getrlimit(r.RLIMIT_CPU)[0], r.getrlimit(r.RLIMIT_AS)[0], r.getrlimit(r.RLIMIT_FSIZE)[0])"
    out = subprocess.run(["prlimit", *limits.prlimit_arguments(limit_processes=False), "--", sys.executable, "-c", probe],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["7", str(300 * 1024 * 1024), "1024"]


@pytest.mark.parametrize(("code", "words"), [
    (3, "exited with code 3"),
    (-signal.SIGKILL, "SIGKILL"),
    (128 + signal.SIGXCPU, "CPU-time limit"),
    (128 + signal.SIGSEGV, "crash in native code"),
    (None, "stopped responding"),
])
def test_a_dead_kernel_is_described_in_a_graders_words(code, words):
    assert words in describe_exit(code)


def test_printed_text_over_the_budget_is_cut_and_said():
    cell = nbformat.v4.new_code_cell("print")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a" * (OUTPUT_BUDGET - 10)),
                    nbformat.v4.new_output("stream", name="stdout", text="b" * 100)]
    assert _cut_long_output(cell)
    assert len(cell.outputs[0].text) == OUTPUT_BUDGET - 10
    assert cell.outputs[1].text.startswith("b" * 10 + "\n[output cut")
    small = nbformat.v4.new_code_cell("print")
    small.outputs = [nbformat.v4.new_output("stream", name="stdout", text="fine\n")]
    assert not _cut_long_output(small) and small.outputs[0].text == "fine\n"


def test_stopping_root_processes_is_refused():
    with pytest.raises(ValueError, match="root"):
        stop_user_processes(0)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a process as another user")
def test_every_process_of_a_kernel_user_is_stopped():
    from mlscreen.sandbox.users import kernel_user

    with kernel_user() as user:
        sleepers = [subprocess.Popen(["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups",
                                      "--", "sleep", "600"], start_new_session=True) for _ in range(3)]
        assert stop_user_processes(user.uid) == 3
        assert all(p.wait(timeout=5) == -signal.SIGKILL for p in sleepers)
    ps = subprocess.run(["ps", "-o", "pid=", "-u", str(user.uid)], capture_output=True, text=True).stdout
    assert ps.strip() == ""
