"""A jail for one kernel: its scratch folder, its user, and the command that starts it inside.

With namespaces (bubblewrap), the kernel sees a root made only of the system's `/usr`, the
Python it runs (read-only, at neutral paths), mlscreen's own package (public code) and its
scratch folder: the course directory, the gradebook and other candidates do not exist there,
there is no network and no other process. As root it also runs as a dedicated user with no
capabilities. Without namespaces it still gets resource limits and a scratch working folder.

By default the working folder is a copy (grading); a live session passes `workdir`, the
candidate's workspace itself, bound read-write at its own path so what they write persists.
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
    workspace: Path | None = None  # a live session's folder, used in place (not a copy)

    @property
    def workdir(self) -> Path:
        """The kernel's working folder: a copy of the candidate's files, or their workspace."""
        return self.workspace if self.workspace is not None else self.root / "work"

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

    def command(self, argv: list[str], *, cwd: Path | None = None) -> list[str]:
        """`argv` (starting with the kernel's interpreter) wrapped in limits, namespaces and user.

        `cwd`: where it starts, a folder inside the working folder (default: the working folder).
        """
        inner = list(argv)
        if self.user is not None:
            inner = ["setpriv", f"--reuid={self.user.uid}", f"--regid={self.user.gid}",
                     "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all",
                     "--", *inner]
        if self.protections.namespaces:
            inner = [*self._bwrap_arguments(self.start_folder(cwd)), "--", *inner]
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

    def start_folder(self, cwd: Path | None = None) -> Path:
        """`cwd` if it is the working folder or inside it (symlinks resolved), else the working folder."""
        if cwd is None:
            return self.workdir
        real, top = Path(os.path.realpath(cwd)), Path(os.path.realpath(self.workdir))
        return Path(cwd) if _is_under(real, top) and real.is_dir() else self.workdir

    def _bwrap_arguments(self, start: Path) -> list[str]:
        made: set[str] = set()
        args = system_mounts(self.limits, made)
        args += parents(self.root, made) + ["--bind", str(self.root), str(self.root)]
        if self.workspace is not None:
            args += parents(self.workspace, made) + ["--bind", str(self.workspace), str(self.workspace)]
        args += ["--chdir", str(start)]
        return args


def system_mounts(limits: Limits, made: set[str], *, die_with_parent: bool = True) -> list[str]:
    """bubblewrap options for what every kernel sees: new namespaces, the system read-only, this
    Python and mlscreen's package at neutral paths, fresh /proc, /dev, /tmp (nothing else)."""
    args = ["bwrap", "--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try"] + (["--die-with-parent"] if die_with_parent else [])
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
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(limits.file_bytes * 2),
             "--tmpfs", "/dev/shm", "--perms", "1777", "--size", str(limits.file_bytes * 2),
             "--tmpfs", "/tmp"]
    made.update({"/", "/usr", "/tmp", "/dev", "/proc", "/etc"})
    base = Path(sys.base_prefix).resolve()
    if not _is_under(base, Path("/usr")):
        args += parents(base, made) + ["--ro-bind", str(base), str(base)]
    if sys.prefix != sys.base_prefix:
        args += parents(INNER_VENV, made) + ["--ro-bind", sys.prefix, str(INNER_VENV)]
    package = Path(__file__).resolve().parents[1]
    args += parents(INNER_LIB / "mlscreen", made) + ["--ro-bind", str(package), str(INNER_LIB / "mlscreen")]
    return args


def _is_under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def parents(path: Path, made: set[str]) -> list[str]:
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


def scratch_base() -> Path:
    base = Path(os.environ.get("MLSCREEN_SANDBOX_SCRATCH", tempfile.gettempdir()))
    base.mkdir(parents=True, exist_ok=True)
    return base


_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def chown_tree(folder: Path, uid: int, gid: int) -> None:
    """Give `folder` and everything under it to `uid`:`gid`, never following a symlink.

    Folders are opened without following links and walked by descriptor, so a link swapped in
    for a folder (by a kernel of the tree's owner) changes only the link itself.
    """
    fd = os.open(folder, _OPEN_DIR)
    try:
        _chown_at(fd, uid, gid)
    finally:
        os.close(fd)


def _chown_at(fd: int, uid: int, gid: int, depth: int = 0) -> None:
    os.fchown(fd, uid, gid)
    if depth > 200:
        _log.warning("not changing owners deeper than 200 folders")
        return
    with os.scandir(fd) as entries:
        names = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    for name, is_dir in names:
        if not is_dir:
            with contextlib.suppress(FileNotFoundError):
                # a file with another name elsewhere keeps its owner (it is not only the tree's)
                if os.stat(name, dir_fd=fd, follow_symlinks=False).st_nlink == 1:
                    os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
            continue
        try:
            child = os.open(name, _OPEN_DIR, dir_fd=fd)
        except OSError:  # gone, or no longer a folder
            continue
        try:
            _chown_at(child, uid, gid, depth + 1)
        finally:
            os.close(child)


def _chown_tree(folder: Path, user: KernelUser) -> None:
    chown_tree(folder, user.uid, user.gid)


@contextlib.contextmanager
def open_jail(*, protections: Protections, files_from: Path | None = None,
              workdir: Path | None = None, user: KernelUser | None = None,
              limits: Limits | None = None) -> Iterator[Jail]:
    """A fresh jail holding a copy of `files_from` (notebooks left out); gone on exit.

    `workdir`: instead of a copy, this folder itself is the kernel's working folder, bound
    read-write at its own path (a live session's workspace). It belongs to the kernel's user
    while the jail is open and to the grader again afterwards; a `user` passed in (one that a
    session holds for all its kernels) is the caller's to hand the folder to and take it back.
    `user`: run as this kernel user instead of taking a free one (own-user protection only).
    """
    if files_from is not None and workdir is not None:
        raise ValueError("a jail either copies files_from or works in workdir, not both")
    limits = limits or Limits.from_environment()
    root = Path(tempfile.mkdtemp(prefix="mlscreen-kernel-", dir=scratch_base()))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        owns_user = protections.own_user and user is None
        if workdir is not None and owns_user:  # runs after the user's processes are stopped
            stack.callback(chown_tree, workdir, os.geteuid(), os.getegid())
        if owns_user:
            user = stack.enter_context(kernel_user())
        elif not protections.own_user:
            user = None
        jail = Jail(root=root, protections=protections, limits=limits, user=user,
                    workspace=Path(workdir) if workdir is not None else None)
        if files_from is not None and files_from.is_dir():
            shutil.copytree(files_from, jail.workdir, ignore=_not_copied)
        jail.workdir.mkdir(exist_ok=True)
        jail.ipc_dir.mkdir()
        (root / "tmp").mkdir()
        if user is not None:
            _chown_tree(root, user)
            os.chmod(root, 0o700)
            if workdir is not None and owns_user:
                _chown_tree(jail.workdir, user)
        yield jail
