"""The session server's file API: the workspace only, with the rights of the workspace's owner.

The Jupyter server runs as the grader (root when the kit runs as root), but every file it
reads or writes for the browser (contents API, `/files/`, downloads, collaboration's loads and
saves, checkpoints) is the candidate's, in a folder their kernel can change at any moment: a
link planted to `source/` or a file under `/etc` must not be followed with the grader's
rights. So each operation runs with the filesystem identity of the workspace's owner (Linux
`setfsuid`/`setfsgid`, which also drops the thread's file capabilities): the server then reads
exactly what the candidate's kernel user could, and what it writes belongs to that user.
On top, paths that leave the workspace, links and special files (FIFOs, devices) are refused.
Without root there is nobody to switch to: the server works with the grader's rights.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import stat
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
    _libc.setfsgid(gid)
    _libc.setfsuid(uid)
    _state.depth = 1
    try:
        if _libc.setfsuid(-1) != uid:  # -1 fails and returns the current value
            raise PermissionError("could not switch the file identity of this thread")
        yield
    finally:
        _state.depth = 0
        _libc.setfsuid(0)
        _libc.setfsgid(0)


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
