"""The hidden tests' side of the checker: ask for a fresh case, hand back the answer, hear pass or fail.

The checker runs in the grading process, outside this kernel; it alone knows the seeds and the
expected answers. A hidden test asks it for the cases of the cell being graded (`cases()`), runs
the candidate's code on each case's inputs, and sends the result back as plain JSON values
(`frame_json`, `series_json`, `plain`): never a pickle, never an object the checker would run.
The checker answers each case once, with a message that does not give the answer away; the
grading process then scores the cell from the checker's own record, not from anything this
kernel says, so faking a pass here earns nothing.

The socket sits beside the kernel's connection file (`<connection file stem>.checker`); in a jail
only this kernel's user can reach it. Only json, socket and the values in hand are used.
"""

from __future__ import annotations

import json
import math
import os
import socket

_LIMIT = 32 * 1024 * 1024  # bytes of one message, either way


class CheckerUnavailable(AssertionError):
    """The checker could not be reached (the cell cannot be graded without it)."""


def socket_path() -> str:
    """Where the checker listens for this kernel."""
    from ipykernel.connect import get_connection_file

    stem, _ = os.path.splitext(get_connection_file())
    return stem + ".checker"


def _ask(message: dict) -> dict:
    data = (json.dumps(message, allow_nan=False) + "\n").encode("utf-8")
    if len(data) > _LIMIT:
        raise AssertionError("the answer is too large to check")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(60)
            conn.connect(socket_path())
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
    except OSError as err:
        raise CheckerUnavailable(f"the checker cannot be reached ({err.__class__.__name__})") from None
    reply = json.loads(b"".join(chunks).decode("utf-8") or "{}")
    if "error" in reply:
        raise AssertionError(reply["error"])
    return reply


class Case:
    """One fresh case: its inputs, and `answer(result)`, which fails the test unless it passes."""

    def __init__(self, number: int, inputs: dict):
        self.number, self.inputs = number, inputs

    def answer(self, result) -> None:
        reply = _ask({"op": "answer", "case": self.number, "result": result})
        if not reply.get("ok"):
            raise AssertionError(reply.get("message") or "this case was not answered right")


def cases():
    """The fresh cases of the test cell being graded, one at a time, as the checker makes them."""
    while True:
        reply = _ask({"op": "case"})
        if reply.get("done"):
            return
        yield Case(int(reply["case"]), reply.get("inputs") or {})


def plain(value):
    """A JSON-safe copy of numbers, strings, booleans, lists and dicts (NaN and NA become None)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and getattr(value, "shape", None) == ():
        return plain(item())
    try:
        import pandas

        if pandas.isna(value):
            return None
    except (TypeError, ValueError, ImportError):
        pass
    return {"unreadable": type(value).__name__}


def _kind(dtype) -> str:
    from pandas.api import types

    if types.is_bool_dtype(dtype):
        return "bool"
    return "numeric" if types.is_numeric_dtype(dtype) else "other"


def frame_json(frame) -> dict:
    """A DataFrame as plain values: columns, each column's kind of dtype, values, index."""
    import pandas

    if not isinstance(frame, pandas.DataFrame):
        raise AssertionError(f"return a DataFrame, got {type(frame).__name__}")
    return {"columns": [str(c) for c in frame.columns],
            "kinds": [_kind(frame.iloc[:, i].dtype) for i in range(frame.shape[1])],
            "values": [plain(frame.iloc[:, i].tolist()) for i in range(frame.shape[1])],
            "index": [str(i) for i in frame.index.tolist()]}


def series_json(series) -> dict:
    """A Series as plain values: its index (as text) and values."""
    import pandas

    if not isinstance(series, pandas.Series):
        raise AssertionError(f"return a pandas Series, got {type(series).__name__}")
    return {"index": [str(i) for i in series.index.tolist()], "values": plain(series.tolist())}


def to_frame(sent: dict):
    """The DataFrame a case sent as plain values (int columns int64, numeric float64, others object)."""
    import pandas

    dtypes = {"int": "int64", "numeric": "float64"}
    frame = pandas.DataFrame({name: pandas.Series(values, dtype=dtypes.get(kind, object))
                              for name, kind, values in zip(sent["columns"], sent["kinds"], sent["values"])})
    if sent.get("index") is not None:
        frame.index = sent["index"]
    return frame
