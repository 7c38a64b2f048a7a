"""Checked cases of debug_classifier's `evaluate`: a scripted model's scores, judged with scikit-learn.

A case is a fresh scripted model as plain data: the labels `y` (with their index), the model's
positive-class probabilities and its 0/1 labels, which deliberately disagree with the
probabilities (so a metric taken from the wrong one is caught). The kernel builds the model
object from that data and sends back what the candidate's `evaluate` returned; the expected
ROC AUC, average precision and F1 are computed here and never leave the checker.
"""

from __future__ import annotations

import numpy as np

from .plans import Plan, close, judged

_ROWS = 240
_TOLERANCE = 1e-6
_NAMES = {"roc_auc": "ROC AUC", "average_precision": "average precision", "f1": "F1"}


def _make(seed, index, context):
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

    rng = np.random.default_rng(seed)
    y = (rng.random(_ROWS) < 0.12).astype(int)
    start = int(rng.integers(1000, 90000))
    probabilities = np.clip(0.15 + 0.35 * y + rng.normal(0, 0.2, _ROWS), 0.001, 0.999).round(6)
    labels = (rng.random(_ROWS) < 0.2).astype(int)
    inputs = {"y": y.tolist(), "index": (rng.permutation(_ROWS) + start).tolist(),
              "probabilities": probabilities.tolist(), "labels": labels.tolist(),
              "feature": rng.normal(size=_ROWS).round(6).tolist()}
    truth = {"want": {}, "wrong": {}}
    if y.min() == y.max():
        return inputs, truth  # one class only: `covers` rejects it before any metric is needed
    truth["want"] = {"roc_auc": float(roc_auc_score(y, probabilities)),
                     "average_precision": float(average_precision_score(y, probabilities)),
                     "f1": float(f1_score(y, labels, zero_division=0))}
    # what the usual slips give: ranking from the labels or from the negative class, f1 from thresholded
    # probabilities, accuracy as f1
    truth["wrong"] = {"roc_auc": [float(roc_auc_score(y, labels)), float(roc_auc_score(y, 1 - probabilities))],
                      "average_precision": [float(average_precision_score(y, labels)),
                                            float(average_precision_score(y, 1 - probabilities))],
                      "f1": [float(f1_score(y, (probabilities >= 0.5).astype(int), zero_division=0)),
                             float(np.mean(y == labels))]}
    return inputs, truth


def _covers(inputs, truth) -> bool:
    """Both classes among the labels and the model's 0/1 labels, a true positive among them (F1 above
    zero), and every usual slip giving another value than the right one."""
    y, labels = np.asarray(inputs["y"]), np.asarray(inputs["labels"])
    if not truth["want"] or not (5 <= y.sum() <= len(y) - 5) or not (0 < labels.sum() < len(labels)):
        return False
    if not ((y == 1) & (labels == 1)).any():
        return False
    return all(abs(wrong - truth["want"][key]) > 100 * _TOLERANCE
               for key, wrongs in truth["wrong"].items() for wrong in wrongs)


def _judge(keys: tuple[str, ...]):
    @judged
    def judge(truth, result, context):
        if not isinstance(result, dict):
            return "return a dict"
        for key in keys:
            if key not in result:
                return f"missing key {key!r}"
            have = result[key]
            if isinstance(have, bool) or not isinstance(have, float):
                return f"{key} is a float"
            source = "predict(X_test)" if key == "f1" else "predict_proba(X_test)[:, 1]"
            if not close(have, truth["want"][key], tol=_TOLERANCE):
                return f"{key} is not the {_NAMES[key]} of {source} against y_test"
        return None
    return judge


PLANS = [
    Plan("evaluate__ranking_metrics", 1, _make, _judge(("roc_auc", "average_precision")), _covers),
    Plan("evaluate__f1", 1, _make, _judge(("f1",)), _covers),
]
