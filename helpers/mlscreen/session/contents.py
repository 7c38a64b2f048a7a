"""The session server's file API: the workspace only, with the rights of the workspace's owner.

The Jupyter server runs as the grader (root when the kit runs as root), but every file it
reads or writes for the browser (contents API, `/files/`, downloads, collaboration's loads and
saves, checkpoints) is the candidate's, in a folder their kernel can change at any moment: a
link planted to `source/` or a file under `/etc` must not be followed with the grader's
rights. So each operation runs with the filesystem identity of the workspace's owner (Linux
`setfsuid`/`setfsgid`, which also drops the thread's file capabilities): the server then reads
exactly what the candidate's kernel user could, and what it writes belongs to that user.
On top, paths that leave the workspace, links and special files (FIFOs, devices) are refused.
The server's own files stay the grader's: the notary's database, and Python's modules (a module
first imported during a file operation is loaded with the grader's rights). Without root there
is nobody to switch to: the server works with the grader's rights.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import importlib.abc
import os
import stat
import sys
import threading
from collections.abc import Iterator

from jupyter_server.services.contents.largefilemanager import LargeFileManager
from tornado import web

_libc = ctypes.CDLL(None, use_errno=True)
_state = threading.local()
_GUARDED = (
    "get", "save", "delete", "delete_file", "rename", "rename_file", "update", "new",
    "new_untitled", "copy", "file_exists", "dir_exists", "exists", "is_hidden",
    "create_checkpoint", "list_checkpoints", "restore_checkpoint", "delete_checkpoint",
    "trust_notebook",
)


class OutsideWorkspace(web.HTTPError, OSError):
    """A path the server will not touch: a 404 to the browser, EACCES to a directory listing
    (which then skips the entry instead of failing the whole folder)."""

    def __init__(self, path: str) -> None:
        web.HTTPError.__init__(self, 404, "no such file in the workspace: %s", path)
        self.errno = errno.EACCES


@contextlib.contextmanager
def as_owner(uid: int, gid: int) -> Iterator[None]:
    """This thread's file access as `uid`:`gid` for the duration (nested calls switch once)."""
    depth = getattr(_state, "depth", 0)
    if depth or os.geteuid() != 0 or uid == 0:
        _state.depth = depth + 1
        try:
            yield
        finally:
            _state.depth = depth
        return
    _switch(uid, gid)
    _state.depth, _state.ids, _state.grader = 1, (uid, gid), 0
    try:
        yield
    finally:
        _state.depth, _state.ids = 0, None
        _switch(0, 0)


@contextlib.contextmanager
def as_grader() -> Iterator[None]:
    """Back to the grader's rights inside `as_owner`, for the server's own files (the notary's
    database of trusted notebooks, Python's modules): never around a path of the workspace."""
    ids, depth = getattr(_state, "ids", None), getattr(_state, "grader", 0)
    if ids is None or depth:
        _state.grader = depth + 1
        try:
            yield
        finally:
            _state.grader = depth
        return
    _switch(0, 0)
    _state.grader = 1
    try:
        yield
    finally:
        _state.grader = 0
        _switch(*ids)


def _switch(uid: int, gid: int) -> None:
    _libc.setfsgid(gid)
    _libc.setfsuid(uid)
    if _libc.setfsuid(-1) != uid or _libc.setfsgid(-1) != gid:  # -1 fails, returns the current
        raise PermissionError("could not switch the file identity of this thread")


class _GraderImports(importlib.abc.MetaPathFinder):
    """A module first imported during a file operation is found and loaded with the grader's
    rights (the interpreter may live where the candidate's user cannot read, e.g. /root)."""

    def find_spec(self, name, path, target=None):
        if getattr(_state, "ids", None) is None or getattr(_state, "grader", 0):
            return None
        with as_grader():
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(name, path, target)
                if spec is not None:
                    if spec.loader is not None:
                        spec.loader = _GraderLoader(spec.loader)
                    return spec
        return None


class _GraderLoader:
    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        with as_grader():
            return self._loader.create_module(spec)

    def exec_module(self, module):
        with as_grader():
            return self._loader.exec_module(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


sys.meta_path.insert(0, _GraderImports())


def _guarded(method):
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with as_owner(*self.owner()):
            return method(self, *args, **kwargs)

    return run


class WorkspaceContentsManager(LargeFileManager):
    """A file manager for the workspace that never acts with more rights than its owner."""

    def owner(self) -> tuple[int, int]:
        """Who owns the workspace now (its kernel user during a session, else the grader)."""
        info = os.lstat(self.root_dir)
        return info.st_uid, info.st_gid

    def _get_os_path(self, path: str) -> str:
        os_path = super()._get_os_path(path)
        root = os.path.realpath(self.root_dir)
        real = os.path.realpath(os_path)
        if real != root and not real.startswith(root + os.sep):
            raise OutsideWorkspace(path)
        try:
            info = os.lstat(os_path)
        except FileNotFoundError:
            return os_path  # about to be created
        except OSError:
            raise OutsideWorkspace(path) from None
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            raise OutsideWorkspace(path)  # links, FIFOs, sockets, devices
        return os_path

    def mark_trusted_cells(self, nb, path=None):
        with as_grader():
            return super().mark_trusted_cells(nb, path)

    def check_and_sign(self, nb, path=""):
        with as_grader():
            return super().check_and_sign(nb, path)

    @contextlib.contextmanager
    def open(self, os_path, *args, **kwargs):
        """Reading never follows a link at the last step, and never blocks on a FIFO."""
        mode = args[0] if args else kwargs.get("mode", "r")
        if any(flag in mode for flag in "wax+"):
            with super().open(os_path, *args, **kwargs) as handle:
                yield handle
            return
        with self.perm_to_403(os_path):
            fd = os.open(os_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise OutsideWorkspace(os_path)
                os.set_blocking(fd, True)
                handle = os.fdopen(fd, *args, **kwargs)
            except BaseException:
                os.close(fd)
                raise
            with handle:
                yield handle


for _name in _GUARDED:
    if hasattr(WorkspaceContentsManager, _name):
        setattr(WorkspaceContentsManager, _name, _guarded(getattr(WorkspaceContentsManager, _name)))
