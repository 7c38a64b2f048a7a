"""A jail for one kernel: its scratch folder, its user, and the command that starts it inside.

With namespaces (bubblewrap), the kernel sees a root made only of the system's `/usr`, the
Python it runs (read-only, at neutral paths), mlscreen's own package (public code) and its
scratch folder: the course directory, the gradebook and other candidates do not exist there,
there is no network and no other process. As root it also runs as a dedicated user with no
capabilities. Without namespaces it still gets resource limits and a scratch working folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .limits import Limits
from .policy import Protections
from .users import KernelUser, kernel_user

_log = logging.getLogger(__name__)

INNER_VENV = Path("/opt/mlscreen/venv")
INNER_LIB = Path("/opt/mlscreen/lib")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group",
                 "/etc/nsswitch.conf", "/etc/mime.types")
_NOT_COPIED = ("*.ipynb", ".ipynb_checkpoints", "*.unreadable", "*.sandbox.json", "__pycache__")
# what a kernel may inherit from the grader's environment (everything else is left out)
_PASSED_ON = ("NBGRADER_EXECUTION", "MLSCREEN_CELL_LIMIT", "MLSCREEN_CALL_LIMIT", "LANG", "LC_ALL")


@dataclass
class Jail:
    """The place one kernel runs in, and how to start a command there."""

    root: Path
    protections: Protections
    limits: Limits
    user: KernelUser | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def workdir(self) -> Path:
        """The kernel's working folder: a copy of the candidate's files."""
        return self.root / "work"

    @property
    def ipc_dir(self) -> Path:
        """Where the kernel's sockets and connection file live (reachable from both sides)."""
        return self.root / "ipc"

    @property
    def python(self) -> str:
        """The interpreter's path as the kernel sees it."""
        if self.protections.namespaces and sys.prefix != sys.base_prefix:
            return str(INNER_VENV / "bin" / Path(sys.executable).name)
        return sys.executable

    def command(self, argv: list[str]) -> list[str]:
        """`argv` (starting with the kernel's interpreter) wrapped in limits, namespaces and user."""
        inner = list(argv)
        if self.user is not None:
            inner = ["setpriv", f"--reuid={self.user.uid}", f"--regid={self.user.gid}",
                     "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all",
                     "--", *inner]
        if self.protections.namespaces:
            inner = [*self._bwrap_arguments(), "--", *inner]
        if self.protections.limits:
            limits = self.limits.prlimit_arguments(limit_processes=self.user is not None)
            inner = ["prlimit", *limits, "--", *inner]
        return inner

    def environment(self) -> dict[str, str]:
        """A clean environment for the kernel: nothing of the grader's but what it needs."""
        tmp = "/tmp" if self.protections.namespaces else str(self.root / "tmp")
        env = {key: os.environ[key] for key in _PASSED_ON if key in os.environ}
        python_bin = str(Path(self.python).parent)
        env.update({
            "PATH": os.pathsep.join([python_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": tmp, "TMPDIR": tmp, "MPLCONFIGDIR": f"{tmp}/matplotlib",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        })
        env.setdefault("LANG", "C.UTF-8")
        if self.protections.namespaces:
            env["PYTHONPATH"] = str(INNER_LIB)
        return env

    def _bwrap_arguments(self) -> list[str]:
        args = ["bwrap", "--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent"]
        if os.geteuid() != 0:
            args.append("--unshare-user")
        for top in ("bin", "lib", "lib64", "sbin", "lib32"):
            path = Path("/") / top
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        args += ["--ro-bind", "/usr", "/usr"]
        for name in _SYSTEM_FILES:
            args += ["--ro-bind-try", name, name]
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(self.limits.file_bytes * 2),
                 "--tmpfs", "/dev/shm", "--perms", "1777", "--size", str(self.limits.file_bytes * 2),
                 "--tmpfs", "/tmp"]
        made: set[str] = {"/", "/usr", "/tmp", "/dev", "/proc", "/etc"}
        base = Path(sys.base_prefix).resolve()
        if not _is_under(base, Path("/usr")):
            args += _parents(base, made) + ["--ro-bind", str(base), str(base)]
        if sys.prefix != sys.base_prefix:
            args += _parents(INNER_VENV, made) + ["--ro-bind", sys.prefix, str(INNER_VENV)]
        package = Path(__file__).resolve().parents[1]
        args += _parents(INNER_LIB / "mlscreen", made) + ["--ro-bind", str(package), str(INNER_LIB / "mlscreen")]
        args += _parents(self.root, made) + ["--bind", str(self.root), str(self.root)]
        args += ["--chdir", str(self.workdir)]
        return args


def _is_under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _parents(path: Path, made: set[str]) -> list[str]:
    """bwrap options creating every missing parent of `path` traversable (0755, not bwrap's 0700)."""
    args: list[str] = []
    for parent in reversed(path.parents):
        key = str(parent)
        if key not in made:
            made.add(key)
            args += ["--perms", "0755", "--dir", key]
    made.add(str(path))
    return args


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """Notebooks (the graded ones hold hidden tests) and symlinks (they could point anywhere)."""
    skipped = set(shutil.ignore_patterns(*_NOT_COPIED)(folder, names))
    return skipped | {name for name in names if os.path.islink(os.path.join(folder, name))}


def _scratch_base() -> Path:
    base = Path(os.environ.get("MLSCREEN_SANDBOX_SCRATCH", tempfile.gettempdir()))
    base.mkdir(parents=True, exist_ok=True)
    return base


def _chown_tree(folder: Path, user: KernelUser) -> None:
    for dirpath, dirnames, filenames in os.walk(folder):
        os.chown(dirpath, user.uid, user.gid)
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), user.uid, user.gid, follow_symlinks=False)


@contextlib.contextmanager
def open_jail(*, protections: Protections, files_from: Path | None = None,
              limits: Limits | None = None) -> Iterator[Jail]:
    """A fresh jail holding a copy of `files_from` (notebooks left out); gone on exit."""
    limits = limits or Limits.from_environment()
    root = Path(tempfile.mkdtemp(prefix="mlscreen-kernel-", dir=_scratch_base()))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        user = stack.enter_context(kernel_user()) if protections.own_user else None
        jail = Jail(root=root, protections=protections, limits=limits, user=user)
        if files_from is not None and files_from.is_dir():
            shutil.copytree(files_from, jail.workdir, ignore=_not_copied)
        jail.workdir.mkdir(exist_ok=True)
        jail.ipc_dir.mkdir()
        (root / "tmp").mkdir()
        if user is not None:
            _chown_tree(root, user)
            os.chmod(root, 0o700)
        yield jail
