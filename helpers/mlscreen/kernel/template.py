"""A template kernel: imports what every grading kernel loads once, then forks each kernel.

The grader starts it (`mlscreen.sandbox.template`) as root inside a bubblewrap jail whose
mounts are a kernel's (the system, this Python, mlscreen) plus the scratch folder where kernel
jails live. It takes requests on a Unix socket in a folder only root can open. For each one it
forks; the child takes what a jailed kernel gets from bubblewrap, setpriv and prlimit: its own
mount, process, network, IPC and host-name namespaces, a scratch folder that shows only its own
jail, fresh /proc, /tmp and /dev/shm, resource limits, the kernel user with no capabilities
and no way to gain any, a clean environment, the relay's standard streams. Then it runs
ipykernel. The relay process (`mlscreen/sandbox/relay.py`) stands for the kernel towards the
Jupyter kernel manager: it ends with the kernel's exit code, and when it is killed the kernel
and everything it started are killed too.

Nothing of a candidate ever runs in the template itself, so what each kernel inherits is the
state of freshly imported modules, as if it had imported them itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import resource
import selectors
import signal
import socket
import sys
import tempfile

# what grading kernels import: ipykernel, then the hidden tests' and the usual answers' modules
PRELOADED = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "IPython.core.interactiveshell",
    "IPython.core.completer", "jedi",
    # what a kernel's start-up imports after that (the debugger's debugpy above all, about 0.2 s)
    "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib", "IPython.core.oinspect",
    "IPython.extensions", "sqlite3", "tornado.queues", "tornado.locks", "mimetypes",
    "numpy", "numpy.testing", "pandas", "pandas.testing",
    "pandas.api.types", "joblib", "sklearn.base", "sklearn.compose", "sklearn.ensemble",
    "sklearn.feature_extraction.text", "sklearn.impute", "sklearn.linear_model", "sklearn.metrics",
    "sklearn.model_selection", "sklearn.pipeline", "sklearn.preprocessing", "matplotlib.pyplot",
)
# the backend ipykernel would choose; its module is left to load in the kernel, where it hooks
# into the kernel's shell (imported here, it would find no shell and figures would not show)
MATPLOTLIB_BACKEND = "module://matplotlib_inline.backend_inline"
SELF_MOUNT = "/run/mlscreen-self"  # where a child keeps its own jail while it hides the others

_NEW_NAMESPACES = 0x00020000 | 0x04000000 | 0x08000000 | 0x20000000 | 0x40000000  # NS UTS IPC PID NET
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_BIND, _MS_REC, _MS_PRIVATE = 2, 4, 8, 4096, 16384, 1 << 18
_MNT_DETACH = 2
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS = 1, 24, 38
_LIMITS = {"cpu": resource.RLIMIT_CPU, "as": resource.RLIMIT_AS, "fsize": resource.RLIMIT_FSIZE,
           "nofile": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE, "nproc": resource.RLIMIT_NPROC}
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _encode(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_encode(source), target.encode(), _encode(kind), ctypes.c_ulong(flags),
                       _encode(data)), f"mount {target}")


def _show_only_own_jail(root: str, scratch: str, tmp_bytes: int) -> None:
    """Cover the scratch folder (every jail) and /tmp with fresh tmpfs, then put back `root` alone."""
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    _mount(root, SELF_MOUNT, None, _MS_BIND | _MS_REC)
    for folder in dict.fromkeys(["/tmp", scratch, "/dev/shm"]):
        _mount("tmpfs", folder, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={tmp_bytes},mode=1777")
    os.makedirs(root, mode=0o755, exist_ok=True)
    _mount(SELF_MOUNT, root, None, _MS_BIND | _MS_REC)
    _check(_libc.umount2(SELF_MOUNT.encode(), _MNT_DETACH), "unmount the jail's first place")
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)


def _become_user(uid: int, gid: int) -> None:
    """The kernel user, no groups, no capabilities (bounding set too), no new privileges."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    for capability in range(64):
        _libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)
    os.setresuid(uid, uid, uid)  # clears the permitted and effective capabilities
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _init(request: dict) -> None:
    """The first process of the kernel's process namespace, as bubblewrap's: it mounts the jail's
    view, starts the kernel and reaps orphans; when the kernel ends it ends, and with it every
    process left in the namespace."""
    code = 1
    try:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _show_only_own_jail(request["root"], request["scratch"], int(request["tmp_bytes"]))
        kernel = os.fork()
        if kernel == 0:
            _run_kernel(request)
        while True:
            pid, status = os.wait()
            if pid == kernel:
                code = _exit_code(status)
                break
    except BaseException as error:  # noqa: BLE001
        print(f"template kernel: {type(error).__name__}: {error}", file=sys.stderr)
    os._exit(code)


def _run_kernel(request: dict) -> None:
    """The kernel, in its jail: limits, working folder, user, environment; then ipykernel."""
    code = 1
    try:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        for name, value in request["limits"].items():
            resource.setrlimit(_LIMITS[name], (int(value), int(value)))
        os.chdir(request["cwd"])
        _become_user(int(request["uid"]), int(request["gid"]))
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None
        import numpy.random  # a fresh stream per kernel, as after its own import

        numpy.random.seed()
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
    except BaseException as error:  # noqa: BLE001 - the grader reads the exit code, a person stderr
        print(f"template kernel: {type(error).__name__}: {error}", file=sys.stderr)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def _start_child(request: dict, streams: list[int]) -> int:
    """Fork the process that makes the kernel's namespaces; it ends with the kernel's exit code."""
    pid = os.fork()
    if pid:
        return pid
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        for target, stream in enumerate(streams):  # the relay's stdin, stdout, stderr
            os.dup2(stream, target)
        os.closerange(3, 65536)  # nothing of the template's: its socket, other relays
        os.setsid()
        _check(_libc.unshare(_NEW_NAMESPACES), "unshare")
        init = os.fork()
        if init == 0:
            _init(request)
        _, status = os.waitpid(init, 0)
        os._exit(_exit_code(status))
    except BaseException as error:  # noqa: BLE001
        print(f"template kernel: {type(error).__name__}: {error}", file=sys.stderr)
        os._exit(1)


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    while not data.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            break
        data += more
    return json.loads(data), fds


def serve(path: str) -> None:
    """Answer kernel requests on the socket `path` until standard input closes (the grader left)."""
    selector = selectors.DefaultSelector()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    selector.register(listener, selectors.EVENT_READ, "listener")
    selector.register(sys.stdin, selectors.EVENT_READ, "grader")
    print("ready", flush=True)
    kernels: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, the relay's connection)
    while True:
        for key, _ in selector.select():
            what = key.data
            if what == "grader":
                if not os.read(sys.stdin.fileno(), 4096):
                    for pid, _conn in kernels.values():
                        _kill(pid)
                    return
            elif what == "listener":
                conn, _ = listener.accept()
                conn.settimeout(10)
                try:
                    request, streams = _receive(conn)
                    pid = _start_child(request, streams)
                except (OSError, ValueError) as error:
                    conn.close()
                    print(f"template kernel: a request failed: {error}", file=sys.stderr)
                    continue
                for stream in streams:
                    os.close(stream)
                pidfd = os.pidfd_open(pid)
                kernels[pidfd] = (pid, conn)
                selector.register(pidfd, selectors.EVENT_READ, "kernel")
                selector.register(conn, selectors.EVENT_READ, ("relay", pid))
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            elif what == "kernel":
                pidfd = key.fd
                pid, conn = kernels.pop(pidfd)
                _, status = os.waitpid(pid, 0)
                selector.unregister(pidfd)
                os.close(pidfd)
                with contextlib.suppress(KeyError):  # unless the relay has gone already
                    selector.unregister(conn)
                try:
                    conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
                except OSError:
                    pass
                conn.close()
            else:  # the relay went away (the kernel manager killed it): so does its kernel
                _, pid = what
                try:
                    if not key.fileobj.recv(4096):
                        selector.unregister(key.fileobj)
                        _kill(pid)
                except OSError:
                    selector.unregister(key.fileobj)
                    _kill(pid)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)  # its kernel has PDEATHSIG, and takes its namespace along
    except ProcessLookupError:
        pass


def main() -> None:
    """`python -m mlscreen.kernel.template SOCKET`: preload, then serve."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        sys.path.pop(0)
    os.environ.setdefault("MPLBACKEND", MATPLOTLIB_BACKEND)  # read once, as matplotlib is imported
    # debugpy, imported once here, would warn on the grader's terminal about frozen modules
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    gc.collect()
    gc.freeze()  # what the template holds stays shared with every kernel, not copied on write
    serve(sys.argv[1])


if __name__ == "__main__":
    main()
