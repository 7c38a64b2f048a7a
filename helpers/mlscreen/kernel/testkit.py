"""Tools the coding screen's hidden tests use to grade fairly, whatever the candidate's code did.

nbgrader's kernels import this module before any candidate code runs (see
`nbgrader_config.py`), so it snapshots the modules a test relies on while they are still
pristine. `restore()` puts back anything a candidate replaced since (`builtins.abs`,
`numpy.isclose`, `pandas.testing.assert_frame_equal`, ...). `quietly()` runs candidate code with
warnings and printing silenced (nbgrader fails a test cell that writes to stderr, and a warning
from pandas or scikit-learn must never cost a correct answer) and within a time limit.

Loaded in a grading kernel, it also guards every cell: patched helpers are put back before the
cell runs, and its run time is bounded. A candidate's endless loop, even one that ignores Ctrl-C
(SIGINT), is stopped by an exception raised inside it, so the kernel stays responsive and only
the cells that call the loop lose their points. Nothing here is an answer.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import io
import math
import operator
import os
import signal
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import numpy
import numpy.testing
import pandas
import pandas.api.types
import pandas.testing

from . import wire

_GUARDED_MODULES = [builtins, math, operator, numpy, numpy.testing, pandas, pandas.testing,
                    pandas.api.types, warnings, contextlib, io, os, tempfile, wire]
try:  # scikit-learn is only needed by two of the notebooks
    import sklearn.metrics
    import sklearn.model_selection
    import sklearn.pipeline

    _GUARDED_MODULES += [sklearn.metrics, sklearn.model_selection, sklearn.pipeline]
except ImportError:  # pragma: no cover
    pass

_SNAPSHOT = {module: dict(vars(module)) for module in _GUARDED_MODULES}
_CLASSES = {cls: dict(vars(cls)) for cls in (wire.Case,)}  # the checker client's methods too
_SIGINT_HANDLER = signal.getsignal(signal.SIGINT)
_MISSING = object()

CALL_LIMIT_SECONDS = float(os.environ.get("MLSCREEN_CALL_LIMIT", "10"))
CELL_LIMIT_SECONDS = float(os.environ.get("MLSCREEN_CELL_LIMIT", "25"))
_cell_limit = [CELL_LIMIT_SECONDS]  # what each cell gets now (see after_the_tests)


class TimeLimitExceeded(BaseException):
    """Raised inside code that ran over its time limit (a BaseException: `except Exception`
    in the candidate's loop does not swallow it)."""


class _Deadline:
    """Raise TimeLimitExceeded in a thread once `seconds` have passed, until stopped."""

    def __init__(self, seconds: float, thread_id: int, what: str):
        self._seconds, self._thread_id, self._what = seconds, thread_id, what
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> _Deadline:
        self._watcher.start()
        return self

    def _watch(self) -> None:
        if self._stopped.wait(self._seconds):
            return
        message = f"{self._what} ran over {self._seconds:g} s and was stopped"
        exception = type("TimeLimitExceeded", (TimeLimitExceeded,),
                         {"__init__": lambda self, *args: BaseException.__init__(self, message)})
        while True:  # again and again, in case the code swallows it
            with self._lock:
                if self._stopped.is_set():
                    return
                _raise_in_thread(self._thread_id, exception)
            if self._stopped.wait(0.5):
                return

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            _raise_in_thread(self._thread_id, None)  # clear anything still pending


def _raise_in_thread(thread_id: int, exception) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None)


@contextlib.contextmanager
def time_limit(seconds: float, what: str = "the call"):
    """Stop the code inside after `seconds` (pure-Python loops included, whatever their signals)."""
    deadline = _Deadline(seconds, threading.get_ident(), what).start()
    try:
        yield
    finally:
        deadline.stop()


def after_the_tests() -> None:
    """From the next cell on, stop each cell at the call limit instead of the cell limit.

    Grading sends this once it has passed a notebook's last test: the cells after it are the
    candidate's own look at the results and change no score, so an endless loop there should
    not hold the batch for a whole cell limit.
    """
    _cell_limit[0] = min(_cell_limit[0], CALL_LIMIT_SECONDS)


def _guard_every_cell(shell) -> None:
    """Before each cell of a grading kernel, put back patched helpers (so visible tests compare
    with the real ones too) and bound its run time: the kernel answers again after the cells'
    limit (`_cell_limit`)."""
    running: list[_Deadline] = []

    def before(*_):
        restore()
        running.append(_Deadline(_cell_limit[0], threading.get_ident(), "this cell").start())

    def after(*_):
        while running:
            running.pop().stop()

    shell.events.register("pre_run_cell", before)
    shell.events.register("post_run_cell", after)


def _install_in_kernel() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        _guard_every_cell(shell)


def restore() -> None:
    """Put back every attribute of the guarded modules that was replaced since start-up."""
    for module, saved in _SNAPSHOT.items():
        current = vars(module)
        for name, value in saved.items():
            if current.get(name, _MISSING) is not value:
                setattr(module, name, value)
    for cls, saved in _CLASSES.items():
        for name, value in saved.items():
            if name not in ("__dict__", "__weakref__") and cls.__dict__.get(name, _MISSING) is not value:
                setattr(cls, name, value)
    for name in ("numpy", "pandas", "builtins", wire.__name__):
        module = next(m for m in _SNAPSHOT if m.__name__ == name)
        sys.modules[name] = module
    package = sys.modules.get(__package__)
    if package is not None:  # `from mlscreen.kernel import wire, testkit` finds the real ones
        package.wire, package.testkit = wire, sys.modules.get(__name__) or package.testkit
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGINT) is not _SIGINT_HANDLER:
            signal.signal(signal.SIGINT, _SIGINT_HANDLER)


def quietly(function, *args, limit: float | None = None, **kwargs):
    """Call candidate code with warnings ignored, stdout/stderr swallowed, within a time limit."""
    seconds = CALL_LIMIT_SECONDS if limit is None else limit
    name = getattr(function, "__name__", "the call")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                with time_limit(seconds, f"{name}()"):
                    return function(*args, **kwargs)
    finally:
        restore()  # whatever the call patched, the comparisons after it use pristine helpers


def close(actual, expected, tol: float = 1e-9) -> bool:
    """Two numbers are equal within an absolute-or-relative tolerance (NaN equals NaN)."""
    actual, expected = float(actual), float(expected)
    if math.isnan(actual) or math.isnan(expected):
        return math.isnan(actual) and math.isnan(expected)
    return math.fabs(actual - expected) <= max(tol, tol * math.fabs(expected))


def is_missing(value) -> bool:
    """True for None, NaN and pandas' NA/NaT."""
    return bool(pandas.isna(value)) if not isinstance(value, (list, tuple, dict)) else False


def scratch_dir() -> Path:
    """A fresh temporary folder for files a test writes (fresh CSVs, model copies)."""
    return Path(tempfile.mkdtemp(prefix="mlscreen-test-"))


class Recorder:
    """Wraps a callable and records each call's arguments (a spy for 'calls X' rules)."""

    def __init__(self, function):
        self.function = function
        self.calls: list[tuple[tuple, dict]] = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.function(*args, **kwargs)


@contextlib.contextmanager
def swapped(namespace: dict, **replacements):
    """Temporarily bind names in the candidate's namespace (a reference callee, a spy)."""
    saved = {name: namespace.get(name, _MISSING) for name in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                namespace.pop(name, None)
            else:
                namespace[name] = value


@contextlib.contextmanager
def counting_calls(classes, method_names):
    """Count calls of the given methods on the given classes (e.g. every `predict_proba`)."""
    counts = {name: 0 for name in method_names}
    originals = []
    for cls in classes:
        for name in method_names:
            original = cls.__dict__.get(name)
            if original is None:
                continue

            def counted(self, *args, __name=name, __original=original, **kwargs):
                counts[__name] += 1
                # works for plain functions and for descriptors such as sklearn's `available_if`
                return __original.__get__(self, type(self))(*args, **kwargs)

            originals.append((cls, name, original))
            setattr(cls, name, counted)
    try:
        yield counts
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)


_install_in_kernel()
