"""Checked cases of the table exercises: data_cleaning's functions and debug_classifier's split.

Each case is made here, in the grading process, from a seed only the checker knows; the kernel
gets the inputs (a CSV text, a frame as plain values) and never the truth.
"""

from __future__ import annotations

import numpy as np

from . import generators
from .plans import Plan, _Wrong, close, frame_parts, frame_sent, is_missing, judged

_MARKERS = {m.strip().lower() for m in generators.MISSING_MARKERS}


# -- load_data ---------------------------------------------------------------------------------

def _customers(rows: int):
    def make(seed, index, context):
        case = generators.messy_customers(seed=seed % 2**63, n_rows=rows)
        truth = {"columns": list(case.truth.columns), "rows": rows,
                 "numeric": list(case.numeric_columns), "text": list(case.text_columns),
                 "values": {c: [None if is_missing(v) else v for v in case.truth[c].tolist()]
                            for c in case.truth.columns}}
        return {"csv": case.csv_text}, truth
    return make


def _every_marker_and_sign(inputs, truth) -> bool:
    """Every marker kind (padded and not), a negative value and a decimal occur in the file."""
    fields = [field for line in inputs["csv"].splitlines()[1:] for field in line.split(",")]
    seen = {f.strip().lower() for f in fields if f.strip().lower() in _MARKERS}
    padded = any(f != f.strip() and f.strip().lower() in _MARKERS for f in fields)
    cased = {f.strip() for f in fields if f.strip().lower() == "unknown"}
    numbers = [v for c in truth["numeric"] for v in truth["values"][c] if v is not None]
    return (seen == _MARKERS and padded and len(cased) >= 3 and any(v < 0 for v in numbers)
            and any(v != int(v) for v in numbers) and "" in {f.strip() for f in fields})


def _loaded(truth, result):
    columns, kinds, values, index = frame_parts(result)
    if sorted(columns) != sorted(truth["columns"]):
        raise _Wrong("the frame does not have the file's columns")
    if len(index) != truth["rows"]:
        raise _Wrong(f"the file has {truth['rows']} rows, the frame {len(index)}")
    return {c: (k, v) for c, k, v in zip(columns, kinds, values)}


@judged
def _judge_markers(truth, result, context):
    got = _loaded(truth, result)
    for column in truth["columns"]:
        want = [v is None for v in truth["values"][column]]
        if [is_missing(v) for v in got[column][1]] != want:
            return f"column {column!r}: the missing values are not exactly the marker fields"
    return None


@judged
def _judge_numbers(truth, result, context):
    got = _loaded(truth, result)
    for column in truth["numeric"]:
        kind, values = got[column]
        if kind != "numeric":
            return f"column {column!r} holds only numbers once markers are gone: its dtype is not numeric"
        for row, (have, want) in enumerate(zip(values, truth["values"][column])):
            if want is not None and not close(have, want):
                return f"column {column!r}, row {row}: the value is not the number in the file"
    return None


@judged
def _judge_text(truth, result, context):
    got = _loaded(truth, result)
    for column in truth["text"]:
        kind, values = got[column]
        if kind != "other":
            return f"column {column!r} is text: its dtype should not be numeric"
        for row, (have, want) in enumerate(zip(values, truth["values"][column])):
            if want is not None and have != want:
                return f"column {column!r}, row {row}: {have!r} is not the file's text, stripped of spaces"
    return None


# -- missing_report and impute_median ----------------------------------------------------------

def _make_report(seed, index, context):
    frame = generators.messy_customers(seed=seed % 2**63, n_rows=37).truth
    rng = np.random.default_rng(seed)
    frame.index = [f"row{i}" for i in rng.permutation(len(frame))]
    frame.loc[frame.index[:3], "tenure_months"] = np.nan
    exact = {str(c): 100.0 * float(frame[c].isna().sum()) / len(frame) for c in frame.columns}
    return {"frame": frame_sent(frame)}, exact


@judged
def _judge_report(truth, result, context):
    if not isinstance(result, dict) or "index" not in result:
        return "return a pandas Series"
    reported = dict(zip(result["index"], result["values"]))
    if set(reported) - set(truth):
        return f"unexpected entries: {sorted(set(reported) - set(truth))}"
    for column, exact in truth.items():
        if exact and column not in reported:
            return f"no entry for column {column!r}"
        if exact and not (close(reported[column], exact) or (isinstance(reported[column], (int, float))
                                                               and abs(reported[column] - exact) <= 0.01)):
            return f"column {column!r}: the percentage is not within 0.01 of the exact one"
    return None


def _make_impute(seed, index, context):
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = 41
    frame = pd.DataFrame({
        "height": rng.normal(170, 12, n).round(1),
        "visits": rng.integers(0, 30, n).astype("int64"),
        "ratio": rng.uniform(-1, 1, n).round(3),
        "city": [f"c{i % 5}" for i in range(n)],
    }, index=[f"id-{i}" for i in rng.permutation(n)])
    frame.loc[frame.index[rng.random(n) < 0.3], "height"] = np.nan
    frame.loc[frame.index[rng.random(n) < 0.2], "ratio"] = np.nan
    want = {c: frame[c].fillna(frame[c].median()).tolist() for c in ("height", "visits", "ratio")}
    return {"frame": frame_sent(frame)}, {"columns": list(frame.columns), "index": list(frame.index), "want": want}


def _impute_covers(inputs, truth) -> bool:
    frame = dict(zip(inputs["frame"]["columns"], inputs["frame"]["values"]))
    observed = {c: sum(v is not None for v in frame[c]) for c in ("height", "ratio")}
    return all(0 < n < 41 for n in observed.values()) and any(n % 2 == 0 for n in observed.values())


@judged
def _judge_impute(truth, result, context):
    columns, kinds, values, index = frame_parts(result)
    if columns != truth["columns"]:
        return "same columns, same order"
    if index != truth["index"]:
        return "same index, same order"
    got = dict(zip(columns, values))
    for column, want in truth["want"].items():
        for row, (have, expected) in enumerate(zip(got[column], want)):
            if is_missing(have) or not close(have, expected):
                return f"column {column!r}, row {truth['index'][row]!r}: not the value or the column's median"
    return None


# -- split_data ----------------------------------------------------------------------------------

def _make_churn(rows: int, index_of):
    def make(seed, index, context):
        frame = generators.churn(seed=seed % 2**32, n_rows=rows, n_noise=18)
        frame.index = index_of(len(frame))
        return {"frame": frame_sent(frame), "target": generators.CHURN_TARGET}, frame
    return make


def _split_parts(result):
    if not isinstance(result, list) or len(result) != 4:
        raise _Wrong("return (X_train, X_test, y_train, y_test)")
    return result


@judged
def _judge_features(frame, result, context):
    target = generators.CHURN_TARGET
    features = [c for c in frame.columns if c != target]
    by_label = {str(i): i for i in frame.index}
    X_train, X_test, y_train, y_test = _split_parts(result)
    for X_part, y_part in ((X_train, y_train), (X_test, y_test)):
        columns, kinds, values, index = frame_parts(X_part, "an X part")
        if not isinstance(y_part, dict) or "index" not in y_part:
            return "the y parts are pandas Series"
        if sorted(columns) != sorted(features):
            return "features are every column except TARGET"
        if any(label not in by_label for label in index + y_part["index"]):
            return "the parts keep the original index"
        rows = frame.loc[[by_label[label] for label in index]]
        for column, column_values in zip(columns, values):
            for have, want in zip(column_values, rows[column].tolist()):
                if not ((is_missing(have) and is_missing(want)) or close(have, want)):
                    return f"column {column!r} changed: features stay unchanged (no scaling or imputation)"
        labels = frame.loc[[by_label[label] for label in y_part["index"]], target].tolist()
        if [int(v) if isinstance(v, (int, float)) else v for v in y_part["values"]] != [int(v) for v in labels]:
            return "the y parts hold the target of their rows"
    return None


@judged
def _judge_exact_split(frame, result, context):
    from sklearn.model_selection import train_test_split

    target = generators.CHURN_TARGET
    want = train_test_split(frame.drop(columns=[target]), frame[target], test_size=0.25,
                            stratify=frame[target], random_state=42)
    for name, have, expected in zip(("X_train", "X_test", "y_train", "y_test"), _split_parts(result), want):
        if not isinstance(have, dict) or have.get("index") != [str(i) for i in expected.index]:
            return (f"{name} does not hold the rows of "
                    "train_test_split(X, y, test_size=0.25, stratify=y, random_state=42)")
    return None


def _has_gaps_everywhere_needed(inputs, truth) -> bool:
    return bool(truth.isna().any().any()) and 0.02 < float(truth[generators.CHURN_TARGET].mean()) < 0.15


PLANS = [
    Plan("load_data__markers", 2, lambda s, i, c: _customers((90, 3)[i])(s, i, c), _judge_markers,
         lambda inputs, truth: truth["rows"] < 10 or _every_marker_and_sign(inputs, truth)),
    Plan("load_data__numbers", 1, _customers(80), _judge_numbers, _every_marker_and_sign),
    Plan("load_data__text", 1, _customers(80), _judge_text, _every_marker_and_sign),
    Plan("missing_report__values", 1, _make_report, _judge_report,
         lambda inputs, truth: 0 in truth.values() and sum(v > 0 for v in truth.values()) >= 3),
    Plan("impute_median__values", 1, _make_impute, _judge_impute, _impute_covers),
    Plan("split_data__features_and_target", 1,
         _make_churn(400, lambda n: [f"cust-{i}" for i in range(1000, 1000 + n)][::-1]), _judge_features,
         _has_gaps_everywhere_needed),
    Plan("split_data__exact_split", 1, _make_churn(480, lambda n: list(range(5000, 5000 + 2 * n, 2))),
         _judge_exact_split, _has_gaps_everywhere_needed),
    Plan("run_experiment__wiring", 1, _make_churn(360, lambda n: list(range(90000, 90000 + n))), None,
         _has_gaps_everywhere_needed),
]
