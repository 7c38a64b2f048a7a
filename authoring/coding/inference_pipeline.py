# %% [markdown]
# # Exercise 2: a mini inference pipeline (about 25 minutes)
#
# Support tickets arrive as raw text. A classifier that routes them to a team has already been
# trained; your job is the engineering around it: load it once, normalise incoming text the way
# the model was trained, run inference (one ticket or a batch), and say how sure the model is,
# sending unsure tickets to a human.
#
# **The model** is at `MODEL_PATH`: a scikit-learn estimator with `predict_proba` and
# `classes_` that takes raw strings (its vectoriser is inside it), saved with joblib
# (`joblib.load(MODEL_PATH)` loads it). It was trained on text normalised by these rules,
# applied in this order:
#
# 1. lowercase the text;
# 2. replace every URL (`http://` or `https://` up to the next whitespace) with `<url>`;
# 3. replace every e-mail address (`name@domain.tld`) with `<email>`;
# 4. replace every run of digits with `<num>`;
# 5. collapse every run of whitespace to one space, and strip both ends.
#
# Write:
#
# - `preprocess(text: str) -> str`, applying the rules above;
# - `class TicketClassifier`:
#   - `TicketClassifier(model_path, threshold=0.5)` reads the model file **once**, in the
#     constructor; later calls never read it again;
#   - `.predict(text) -> dict`: `{"label": str, "confidence": float}`. It calls `preprocess` on the
#     text; `confidence` is the highest class probability for the preprocessed text (a float in
#     [0, 1]); `label` is that class, or `"needs_review"` when `confidence < threshold`;
#   - `.predict_batch(texts) -> list[dict]`: the same dict as `.predict` for each text, in order,
#     computed with exactly **one** `predict_proba` call for the whole batch (and no other
#     prediction call); an empty list gives an empty list;
#   - input that is not a `str`, or is empty or only whitespace, raises `ValueError` with a
#     helpful message (in a batch: if any item is invalid).
#
# **What a good answer handles:** the rules in their order (a URL or an e-mail address with
# digits in it becomes `<url>` / `<email>`, not `<num>`), tabs and newlines, the threshold,
# bad input, and a batch that costs one model call however long it is.
#
# **How it is graded.** `preprocess` and `TicketClassifier` have their own tests; the tests of
# `TicketClassifier` use a reference `preprocess`, so a slip in one never costs the other's
# points. Hidden tests run on tickets you have not seen.

# %% readonly id=setup
import joblib
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

MODEL_PATH = "model/ticket_classifier.joblib"
TICKETS_PATH = "data/tickets.csv"
NEEDS_REVIEW = "needs_review"

# %% [markdown]
# ## Look at the tickets and the model
# Not graded: change these cells as you like.

# %%
tickets = pd.read_csv(TICKETS_PATH)
print(tickets.shape)
tickets.sample(5, random_state=0)

# %%
tickets["category"].value_counts().plot.barh(title="tickets per category", figsize=(6, 2.5))
plt.show()
model = joblib.load(MODEL_PATH)
model

# %% [markdown]
# ## 1. `preprocess(text)`

# %% answer id=preprocess
def preprocess(text: str) -> str:
    """Normalise a ticket the way the model's training text was normalised."""
    ### BEGIN SOLUTION
    import re

    text = text.lower()
    text = re.sub(r"https?://\S+", "<url>", text)
    text = re.sub(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", "<email>", text)
    text = re.sub(r"[0-9]+", "<num>", text)
    return re.sub(r"\s+", " ", text).strip()
    ### END SOLUTION

# %% tests id=preprocess__visible points=1
assert preprocess("Hello   WORLD") == "hello world"
assert preprocess("Order 12345 is late") == "order <num> is late"
assert preprocess("see https://shop.example.com/o/42 now") == "see <url> now"
assert preprocess("mail Jane.Doe@Example.com please") == "mail <email> please"
assert preprocess("  two\tlines\nhere  ") == "two lines here"

# %% tests id=preprocess__case_and_spaces points=1
# Hidden test: lowercasing and whitespace on fresh tickets (1 point).
### BEGIN HIDDEN TESTS
def _hidden_preprocess_case_and_spaces():
    """Fresh tickets from the checker (outside this kernel), which alone knows their normalised text."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        case.answer(_wire.plain([_tk.quietly(preprocess, raw) for raw in case.inputs["raw"]]))
_hidden_preprocess_case_and_spaces()
### END HIDDEN TESTS

# %% tests id=preprocess__urls points=1
# Hidden test: URLs on fresh tickets (1 point).
### BEGIN HIDDEN TESTS
def _hidden_preprocess_urls():
    """Fresh tickets from the checker (outside this kernel), which alone knows their normalised text."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        case.answer(_wire.plain([_tk.quietly(preprocess, raw) for raw in case.inputs["raw"]]))
_hidden_preprocess_urls()
### END HIDDEN TESTS

# %% tests id=preprocess__emails points=1
# Hidden test: e-mail addresses on fresh tickets (1 point).
### BEGIN HIDDEN TESTS
def _hidden_preprocess_emails():
    """Fresh tickets from the checker (outside this kernel), which alone knows their normalised text."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        case.answer(_wire.plain([_tk.quietly(preprocess, raw) for raw in case.inputs["raw"]]))
_hidden_preprocess_emails()
### END HIDDEN TESTS

# %% tests id=preprocess__numbers_and_order points=1
# Hidden test: digit runs, and the rules applied in their order, on fresh tickets (1 point).
### BEGIN HIDDEN TESTS
def _hidden_preprocess_numbers_and_order():
    """Fresh tickets from the checker (outside this kernel), which alone knows their normalised text."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        case.answer(_wire.plain([_tk.quietly(preprocess, raw) for raw in case.inputs["raw"]]))
_hidden_preprocess_numbers_and_order()
### END HIDDEN TESTS

# %% [markdown]
# ## 2. `TicketClassifier`

# %% answer id=TicketClassifier
class TicketClassifier:
    """Route support tickets with the shipped model; unsure tickets go to a human."""

    def __init__(self, model_path, threshold=0.5):
        ### BEGIN SOLUTION
        self.model = joblib.load(model_path)
        self.threshold = threshold
        ### END SOLUTION

    def predict(self, text):
        ### BEGIN SOLUTION
        return self.predict_batch([text])[0]
        ### END SOLUTION

    def predict_batch(self, texts):
        ### BEGIN SOLUTION
        texts = list(texts)
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"a ticket must be a non-empty string, got {text!r}")
        if not texts:
            return []
        probabilities = self.model.predict_proba([preprocess(text) for text in texts])
        results = []
        for row in probabilities:
            best = int(np.argmax(row))
            confidence = float(row[best])
            label = str(self.model.classes_[best]) if confidence >= self.threshold else NEEDS_REVIEW
            results.append({"label": label, "confidence": confidence})
        return results
        ### END SOLUTION

# %% tests id=TicketClassifier__visible points=1
# A stand-in preprocess during this test, so it checks TicketClassifier on its own.
_your_preprocess, preprocess = preprocess, lambda text: " ".join(text.lower().split())
try:
    _clf = TicketClassifier(MODEL_PATH)
    _result = _clf.predict("I was charged twice for invoice 8812, please refund")
    assert set(_result) == {"label", "confidence"}, _result
    assert _result["label"] in set(joblib.load(MODEL_PATH).classes_) | {NEEDS_REVIEW}
    assert 0.0 <= _result["confidence"] <= 1.0
    assert _clf.predict_batch([]) == []
    assert len(_clf.predict_batch(["Package 55 never arrived", "App crashes on login"])) == 2
    assert TicketClassifier(MODEL_PATH, threshold=1.0).predict("hello")["label"] == NEEDS_REVIEW
    try:
        _clf.predict("   ")
    except ValueError:
        pass
    else:
        raise AssertionError("an empty ticket must raise ValueError")
finally:
    preprocess = _your_preprocess

# %% tests id=TicketClassifier__predict points=2
# Hidden test: labels and confidences of fresh tickets match the model's (2 points).
### BEGIN HIDDEN TESTS
def _hidden_ticket_classifier_predict():
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    import numpy as np
    for case in _wire.cases():
        # the reference preprocess for this case's texts only: a lookup the checker sent as data
        lookup = dict(zip(case.inputs["raw"], case.inputs["normalised"]))
        with _tk.swapped(globals(), preprocess=lambda text: lookup.get(text, text)):
            clf = _tk.quietly(TicketClassifier, MODEL_PATH, threshold=case.inputs["threshold"])
            have = [_tk.quietly(clf.predict, text) for text in case.inputs["raw"]]
        for item in have:
            assert not isinstance(item, dict) or type(item.get("confidence")) in (float, np.float64), (
                "confidence is a float")
        case.answer(_wire.plain(have))
_hidden_ticket_classifier_predict()
### END HIDDEN TESTS

# %% tests id=TicketClassifier__threshold points=1
# Hidden test: below the threshold the label is "needs_review"; the default threshold is 0.5 (1 point).
### BEGIN HIDDEN TESTS
def _hidden_ticket_classifier_threshold():
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        lookup = dict(zip(case.inputs["raw"], case.inputs["normalised"]))
        threshold = case.inputs["threshold"]
        kwargs = {} if threshold is None else {"threshold": threshold}
        with _tk.swapped(globals(), preprocess=lambda text: lookup.get(text, text)):
            clf = _tk.quietly(TicketClassifier, MODEL_PATH, **kwargs)
            case.answer(_wire.plain([_tk.quietly(clf.predict, text) for text in case.inputs["raw"]]))
_hidden_ticket_classifier_threshold()
### END HIDDEN TESTS

# %% tests id=TicketClassifier__uses_preprocess points=1
# Hidden test: predict runs the module-level preprocess on the text (1 point).
### BEGIN HIDDEN TESTS
def _hidden_ticket_classifier_uses_preprocess():
    from mlscreen.kernel import testkit as _tk
    _tk.restore()
    import joblib
    model = joblib.load(MODEL_PATH)
    stand_in_text = "my package <num> never arrived the tracking link <url> says delivered"
    spy = _tk.Recorder(lambda text: stand_in_text)
    with _tk.swapped(globals(), preprocess=spy):
        clf = _tk.quietly(TicketClassifier, MODEL_PATH, threshold=0.0)
        have = _tk.quietly(clf.predict, "Refund invoice 12 now please")
    assert spy.calls and spy.calls[0][0][0] == "Refund invoice 12 now please", "predict calls preprocess(text)"
    row = model.predict_proba([stand_in_text])[0]
    best = max(range(len(row)), key=lambda i: row[i])
    assert (isinstance(have, dict) and have.get("label") == str(model.classes_[best])
            and _tk.close(have.get("confidence"), float(row[best]), tol=1e-9)), (
        "the prediction is made on what preprocess returned")
_hidden_ticket_classifier_uses_preprocess()
### END HIDDEN TESTS

# %% tests id=TicketClassifier__batch points=2
# Hidden test: predict_batch gives the same results in order, with one model call per batch (2 points).
### BEGIN HIDDEN TESTS
def _hidden_ticket_classifier_batch():
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    from sklearn.pipeline import Pipeline
    for case in _wire.cases():
        lookup = dict(zip(case.inputs["raw"], case.inputs["normalised"]))
        with _tk.swapped(globals(), preprocess=lambda text: lookup.get(text, text)):
            clf = _tk.quietly(TicketClassifier, MODEL_PATH, threshold=case.inputs["threshold"])
            prediction_calls = ["predict_proba", "predict", "predict_log_proba", "decision_function"]
            with _tk.counting_calls([Pipeline], prediction_calls) as counts:
                have = _tk.quietly(clf.predict_batch, list(case.inputs["raw"]))
            assert counts["predict_proba"] == 1, f"one predict_proba call per batch, got {counts['predict_proba']}"
            assert sum(counts.values()) == 1, f"no other prediction call: {counts}"
            assert _tk.quietly(clf.predict_batch, []) == [], "an empty batch gives an empty list"
        case.answer(_wire.plain(have))
_hidden_ticket_classifier_batch()
### END HIDDEN TESTS

# %% tests id=TicketClassifier__loads_once points=1
# Hidden test: the model file given is read in the constructor and never again (1 point).
### BEGIN HIDDEN TESTS
def _hidden_ticket_classifier_loads_once():
    from mlscreen.kernel import testkit as _tk
    _tk.restore()
    import joblib
    import numpy as np
    # another model file, whose classes have other names: the answer must use the file it is given
    other = joblib.load(MODEL_PATH)
    other.steps[-1][1].classes_ = np.array([f"team-{c}" for c in other.steps[-1][1].classes_])
    path = _tk.scratch_dir() / "other_model.joblib"
    joblib.dump(other, path)
    with _tk.swapped(globals(), preprocess=lambda text: " ".join(text.lower().split())):
        clf = _tk.quietly(TicketClassifier, str(path), threshold=0.0)
        path.unlink()
        single = _tk.quietly(clf.predict, "my invoice shows a charge of 30 dollars twice")
        batch = _tk.quietly(clf.predict_batch, ["app crashes with error 500", "where is parcel 77"])
    labels = [single["label"]] + [item["label"] for item in batch]
    assert all(label.startswith("team-") for label in labels), (
        f"predictions must come from the model at model_path, got labels {labels}")
_hidden_ticket_classifier_loads_once()
### END HIDDEN TESTS

# %% tests id=TicketClassifier__invalid_input points=1
# Hidden test: non-strings and empty or blank texts raise ValueError with a message (1 point).
### BEGIN HIDDEN TESTS
def _hidden_ticket_classifier_invalid_input():
    from mlscreen.kernel import testkit as _tk
    _tk.restore()
    with _tk.swapped(globals(), preprocess=lambda text: " ".join(text.lower().split())):
        clf = _tk.quietly(TicketClassifier, MODEL_PATH)
        cases = [(clf.predict, bad) for bad in ("", "   ", "\n\t ", None, 42, b"bytes", ["a list"])]
        cases += [(clf.predict_batch, batch) for batch in (["fine ticket", ""], [None], ["ok", 3.5, "ok"])]
        for method, bad in cases:
            try:
                _tk.quietly(method, bad)
            except ValueError as error:
                assert str(error).strip(), f"{method.__name__}({bad!r}): give the ValueError a message"
            else:
                raise AssertionError(f"{method.__name__}({bad!r}) must raise ValueError")
_hidden_ticket_classifier_invalid_input()
### END HIDDEN TESTS

# %% [markdown]
# ## Try it
# Not graded: how sure is the model on the shipped tickets, and how many would go to a human?

# %%
classifier = TicketClassifier(MODEL_PATH, threshold=0.5)
results = pd.DataFrame(classifier.predict_batch(tickets["text"].tolist()))
results["confidence"].plot.hist(bins=30, title="confidence on the shipped tickets", figsize=(6, 2.5))
plt.show()
results["label"].value_counts()
