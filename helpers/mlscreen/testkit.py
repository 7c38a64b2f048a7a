"""Tools the coding screen's hidden tests use to grade fairly, whatever the candidate's code did.

nbgrader's kernels import this module before any candidate code runs (see
`nbgrader_config.py`), so it snapshots the modules a test relies on while they are still
pristine. `restore()` puts back anything a candidate replaced since (`builtins.abs`,
`numpy.isclose`, `pandas.testing.assert_frame_equal`, ...). `quietly()` runs candidate code with
warnings and printing silenced: nbgrader fails a test cell that writes to stderr, and a warning
from pandas or scikit-learn must never cost a correct answer. Nothing here is an answer.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import math
import operator
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy
import numpy.testing
import pandas
import pandas.api.types
import pandas.testing

_GUARDED_MODULES = [builtins, math, operator, numpy, numpy.testing, pandas, pandas.testing,
                    pandas.api.types, warnings, contextlib, io, os, tempfile]
try:  # scikit-learn is only needed by two of the notebooks
    import sklearn.metrics
    import sklearn.model_selection
    import sklearn.pipeline

    _GUARDED_MODULES += [sklearn.metrics, sklearn.model_selection, sklearn.pipeline]
except ImportError:  # pragma: no cover
    pass

_SNAPSHOT = {module: dict(vars(module)) for module in _GUARDED_MODULES}
_MISSING = object()


def restore() -> None:
    """Put back every attribute of the guarded modules that was replaced since start-up."""
    for module, saved in _SNAPSHOT.items():
        current = vars(module)
        for name, value in saved.items():
            if current.get(name, _MISSING) is not value:
                setattr(module, name, value)
    for name in ("numpy", "pandas", "builtins"):
        module = next(m for m in _SNAPSHOT if m.__name__ == name)
        sys.modules[name] = module


def quietly(function, *args, **kwargs):
    """Call candidate code with warnings ignored and its stdout/stderr swallowed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return function(*args, **kwargs)


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
