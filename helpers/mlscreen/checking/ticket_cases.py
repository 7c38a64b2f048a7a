"""Checked cases of inference_pipeline: `preprocess` on fresh tickets, `TicketClassifier` on fresh texts.

The kernel gets the raw texts; for the classifier it also gets, as data, what a reference
`preprocess` makes of each of those texts (a lookup for that case's inputs only, so a bug in the
candidate's `preprocess` never costs `TicketClassifier` points). The expected labels and
confidences are computed here, with the kit's own model, and never leave the checker.
"""

from __future__ import annotations

from . import generators
from .plans import Plan, close, judged

_KINDS = {"preprocess__case_and_spaces": (), "preprocess__urls": ("url",),
          "preprocess__emails": ("email",), "preprocess__numbers_and_order": ("url", "email", "num")}
_SIZES = {"preprocess__case_and_spaces": 60, "preprocess__urls": 80, "preprocess__emails": 80,
          "preprocess__numbers_and_order": 120}
_PLACEHOLDER = {"preprocess__urls": "<url>", "preprocess__emails": "<email>"}


def _make_preprocess(test: str):
    def make(seed, index, context):
        texts = generators.tickets(seed=seed % 2**63, n=_SIZES[test], kinds=_KINDS[test])
        return {"raw": texts.raw}, {"raw": texts.raw, "normalised": texts.normalised,
                                   "only": _PLACEHOLDER.get(test)}
    return make


def _preprocess_covers(test: str):
    def covers(inputs, truth) -> bool:
        raw, want = inputs["raw"], truth["normalised"]
        spaces = any("\t" in t or "\n" in t or "  " in t for t in raw) and any(t != t.strip() for t in raw)
        upper = any(any(w.isupper() and len(w) > 1 for w in t.split()) for t in raw)
        if test == "preprocess__case_and_spaces":
            return spaces and upper
        if test == "preprocess__urls":
            return sum("<url>" in w for w in want) >= 5 and any("http://" in t for t in raw) and any(
                "HTTPS://" in t for t in raw)
        if test == "preprocess__emails":
            return sum("<email>" in w for w in want) >= 5 and any(any(c.isdigit() for c in t) for t in raw)
        # every rule, and the order: URLs and e-mail addresses holding digits, digits inside words
        return (spaces and upper and any("<url>" in w for w in want) and any("<email>" in w for w in want)
                and any("<num>" in w for w in want) and any(
                    any(ch.isalpha() for ch in tok) and tok.endswith("<num>") and not tok.startswith("<")
                    for w in want for tok in w.split()))
    return covers


@judged
def _judge_preprocess(truth, result, context):
    if not isinstance(result, list) or len(result) != len(truth["normalised"]):
        return "one preprocess result per ticket"
    raw = truth["raw"]
    wrong = [i for i, (have, want) in enumerate(zip(result, truth["normalised"]))
             if (truth["only"] is None or truth["only"] in want) and have != want]
    if wrong:
        first = wrong[0]
        return (f"preprocess({raw[first]!r}) gave {result[first]!r}: not the text the rules give "
                f"({len(wrong)} of {len(result)} tickets wrong)")
    return None


# -- TicketClassifier -----------------------------------------------------------------------------

_THRESHOLDS = {"TicketClassifier__predict": (0.0,), "TicketClassifier__threshold": (0.7, None, 0.9),
               "TicketClassifier__batch": (0.6,)}
_COUNT = {"TicketClassifier__predict": 25, "TicketClassifier__threshold": 40, "TicketClassifier__batch": 30}


def _expected(model, normalised, threshold):
    rows = model.predict_proba(normalised)
    out = []
    for row in rows:
        best = max(range(len(row)), key=lambda i: row[i])
        label = str(model.classes_[best]) if row[best] >= threshold else "needs_review"
        out.append((label, float(row[best])))
    return out


def _make_classifier(test: str):
    def make(seed, index, context):
        threshold = _THRESHOLDS[test][index]
        texts = generators.tickets(seed=seed % 2**63, n=_COUNT[test])
        applied = 0.5 if threshold is None else threshold
        want = _expected(context.model(), texts.normalised, applied)
        inputs = {"raw": texts.raw, "normalised": texts.normalised, "threshold": threshold}
        return inputs, {"want": want, "threshold": applied}
    return make


def _classifier_covers(inputs, truth) -> bool:
    """Below and above the threshold both occur (so the threshold rule is really tested); at 0.9
    the shipped model is never that sure, so every text goes to review there."""
    labels = [label for label, _ in truth["want"]]
    if truth["threshold"] <= 0.0:
        return len(set(labels)) >= 3
    above = truth["threshold"] >= 0.9 or any(label != "needs_review" for label in labels)
    return "needs_review" in labels and above


@judged
def _judge_classifier(truth, result, context):
    if not isinstance(result, list) or len(result) != len(truth["want"]):
        return "one prediction per text, as a list"
    for i, (have, (label, confidence)) in enumerate(zip(result, truth["want"])):
        if not (isinstance(have, dict) and {"label", "confidence"} <= set(have)):
            return f"text {i}: a prediction is a dict with 'label' and 'confidence'"
        if have["label"] != label or not close(have["confidence"], confidence, tol=1e-9):
            return (f"text {i} (threshold {truth['threshold']}): {have!r} is not the model's prediction "
                    "for the preprocessed text")
    return None


PLANS = [Plan(test, 1, _make_preprocess(test), _judge_preprocess, _preprocess_covers(test)) for test in _KINDS]
PLANS += [Plan(test, len(_THRESHOLDS[test]), _make_classifier(test), _judge_classifier, _classifier_covers)
          for test in _THRESHOLDS]
