"""The seeded generators: truth built by construction matches the raw material, deterministically."""

from __future__ import annotations

import io
import os

import nbformat
import numpy as np
import pandas as pd
import pytest

from mlscreen.checking import generators as data

MARKERS = {"", "NA", "N/A", "?", "-"}


def _is_marker(field: str) -> bool:
    stripped = field.strip()
    return stripped in MARKERS or stripped.lower() == "unknown"


def test_messy_csv_marks_exactly_the_missing_truth_with_every_marker_kind():
    table = data.messy_customers(seed=5, n_rows=200)
    raw = pd.read_csv(io.StringIO(table.csv_text), dtype=str, keep_default_na=False)
    seen, fields = set(), set()
    for column in raw.columns:
        for field, truth in zip(raw[column], table.truth[column]):
            assert _is_marker(field) == pd.isna(truth), (column, field, truth)
            if _is_marker(field):
                seen.add(field.strip())
                fields.add(field)
            elif column in table.numeric_columns:
                assert float(field) == truth
            else:
                assert field.strip() == truth
    assert MARKERS <= seen and {"unknown", "Unknown", "UNKNOWN"} <= seen, seen
    assert "" in fields, "an empty field"
    assert any(f and not f.strip() for f in fields), "a field of spaces only"
    assert any(f != f.strip() and f.strip() for f in fields), "a marker with spaces around it"
    assert any(f != f.strip() for f in raw["city"]), "some text carries surrounding spaces"
    assert (table.truth["balance"] < 0).any(), "negative numbers are values"


def test_generators_are_deterministic_and_seeds_differ():
    assert data.messy_customers(seed=1).csv_text == data.messy_customers(seed=1).csv_text
    assert data.messy_customers(seed=1).csv_text != data.messy_customers(seed=2).csv_text
    assert data.tickets(seed=3).raw == data.tickets(seed=3).raw
    assert data.churn(seed=4).equals(data.churn(seed=4))


@pytest.mark.parametrize("kinds", [(), ("url",), ("email",), ("num",), ("url", "email", "num")])
def test_ticket_truth_holds_only_the_placeholders_asked_for(kinds):
    texts = data.tickets(seed=9, n=150, kinds=kinds)
    for raw, normalised in zip(texts.raw, texts.normalised):
        assert normalised == normalised.strip() and "  " not in normalised
        assert normalised == normalised.lower()
        for kind in ("url", "email", "num"):
            if kind not in kinds:
                assert f"<{kind}>" not in normalised
        assert raw.split() and len(raw.split()) == len(normalised.split())
    assert set(texts.labels) == set(data.TICKET_CATEGORIES)


def test_churn_is_imbalanced_numeric_and_has_gaps():
    frame = data.churn()
    rate = frame[data.CHURN_TARGET].mean()
    assert 0.03 < rate < 0.15
    assert all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes)
    assert frame.drop(columns=[data.CHURN_TARGET]).isna().any().any()


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.integration
def test_the_broken_experiment_reports_an_inflated_score(built_course):
    """Run the notebook's own read-only broken cell: its leak and overlapping split really inflate
    the score, compared with the fixed experiment on the same data."""
    from sklearn.metrics import average_precision_score

    nb = nbformat.read(built_course.notebook(built_course.source, "debug_classifier"), as_version=4)
    namespace: dict = {}
    here = os.getcwd()
    os.chdir(built_course.source)
    try:
        exec(_cell(nb, "setup").source, namespace)
        exec(_cell(nb, "broken_experiment").source, namespace)
        for name in ("split_data", "build_pipeline", "evaluate", "run_experiment"):
            exec(_cell(nb, name).source, namespace)
        fixed = namespace["run_experiment"](pd.read_csv(namespace["DATA_PATH"]))
    finally:
        os.chdir(here)
    broken_scores = namespace["model"].predict_proba(namespace["X_test"])[:, 1]
    broken_ap = average_precision_score(namespace["y_test"], broken_scores)
    accuracy = float(np.mean(namespace["model"].predict(namespace["X_test"]) == namespace["y_test"]))
    majority = 1 - float(np.mean(namespace["y_test"]))
    assert broken_ap > fixed["average_precision"] + 0.1, (broken_ap, fixed)
    assert accuracy > 0.9 and majority > 0.85, "accuracy looks great only because positives are rare"
