"""What a checked test cell is: how many fresh cases, how each is made, how an answer is judged.

A plan makes a case from a seed (its inputs for the kernel, its truth for the checker alone) and
judges the candidate's answer, sent back as plain JSON values, against that truth. A judge
returns None when the answer is right and otherwise a message that names what is wrong without
giving the expected answer away. `covers` says whether a made case holds every behaviour the
test checks; the checker draws again (deterministically) until it does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_FILE = "model/ticket_classifier.joblib"  # inside the assignment folder (the build writes it)


@dataclass
class Context:
    """What the checker's plans may use besides a seed: the kit's own model, loaded once."""

    materials: Path | None = None
    _model: Any = None

    def model(self):
        """The shipped ticket model, from the course's source folder (the kit's file, never a
        candidate's: a candidate's copy is never unpickled here)."""
        if self._model is None:
            import joblib

            if self.materials is None:
                raise RuntimeError("no course folder to load the ticket model from")
            self._model = joblib.load(Path(self.materials) / MODEL_FILE)
        return self._model


Maker = Callable[[int, int, Context], tuple[dict, Any]]
Judge = Callable[[Any, Any, Context], "str | None"]


@dataclass(frozen=True)
class Plan:
    """The fresh cases of one test cell. `judge` None: the cases are data only (judged in the kernel)."""

    test: str
    count: int
    make: Maker
    judge: Judge | None
    covers: Callable[[dict, Any], bool] | None = None


def close(have, want, tol: float = 1e-9) -> bool:
    """Two plain numbers equal within an absolute-or-relative tolerance (None equals None)."""
    if have is None or want is None:
        return have is None and want is None
    if isinstance(have, bool) or not isinstance(have, (int, float)):
        return False
    if math.isnan(want):
        return math.isnan(have)
    return abs(have - want) <= max(tol, tol * abs(want))


def is_missing(value) -> bool:
    """A plain value that stands for a missing one (None, or NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def frame_parts(sent: Any, where: str = "the result") -> tuple[list[str], list[str], list[list], list[str]]:
    """Columns, kinds, values, index of a frame sent by `wire.frame_json` (AssertionError-like text)."""
    if not isinstance(sent, dict) or not all(k in sent for k in ("columns", "kinds", "values", "index")):
        raise _Wrong(f"{where} is not a DataFrame")
    columns, kinds, values, index = sent["columns"], sent["kinds"], sent["values"], sent["index"]
    if not (isinstance(columns, list) and isinstance(values, list) and len(columns) == len(values) == len(kinds)):
        raise _Wrong(f"{where} is not a readable DataFrame")
    if any(not isinstance(column, list) or len(column) != len(index) for column in values):
        raise _Wrong(f"{where} is not a readable DataFrame")
    return columns, kinds, values, index


class _Wrong(Exception):
    """A judge's message, raised from deep inside a comparison."""


def judged(judge: Judge) -> Judge:
    """`judge` with malformed answers turned into a message instead of an error in the checker."""

    def safe(truth, result, context):
        try:
            return judge(truth, result, context)
        except _Wrong as wrong:
            return str(wrong)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            return "the result does not have the shape the contract gives"

    safe.__name__ = getattr(judge, "__name__", "judge")
    return safe


def frame_sent(frame) -> dict:
    """A pandas frame as the plain values `wire.to_frame` rebuilds (for a case's inputs)."""
    from pandas.api import types

    kinds = ["int" if types.is_integer_dtype(frame[c].dtype) else
             "numeric" if types.is_numeric_dtype(frame[c].dtype) else "other" for c in frame.columns]
    values = [[None if is_missing(v) else v for v in frame[c].tolist()] for c in frame.columns]
    return {"columns": [str(c) for c in frame.columns], "kinds": kinds, "values": values,
            "index": frame.index.tolist()}
