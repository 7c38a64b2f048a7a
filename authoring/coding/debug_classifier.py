# %% [markdown]
# # Exercise 3: debug this ML classifier (about 25 minutes)
#
# A colleague trained a churn classifier and reports an excellent test score. The product team
# wants to ship it. Before they do, find what is wrong with the experiment, fix it, and say what
# you found.
#
# The data at `DATA_PATH` has one row per customer, numeric feature columns (some with missing
# values) and the binary target column `TARGET` (`1` = churned), which is rare. The broken
# experiment is below, read-only: run it, read it, then write the fixed version as four small
# functions:
#
# - `split_data(df) -> (X_train, X_test, y_train, y_test)`: the features are every column except
#   `TARGET`, unchanged (no scaling or imputation here); split with exactly
#   `train_test_split(X, y, test_size=0.25, stratify=y, random_state=42)` from scikit-learn, so the
#   parts are pandas objects keeping the original index;
# - `build_pipeline() -> sklearn.pipeline.Pipeline`: unfitted; every preprocessing step
#   (imputation, scaling, any feature selection) inside it; the last step a classifier with
#   `predict_proba`. It must fit on rows with missing values, and learn: on this data its
#   average precision on the test part must be at least twice the positive rate;
# - `evaluate(model, X_test, y_test) -> dict`: keys `"roc_auc"` and `"average_precision"` (both
#   from `model.predict_proba(X_test)[:, 1]`) and `"f1"` (from `model.predict(X_test)`), each a
#   float; extra keys are welcome;
# - `run_experiment(df) -> dict`: calls `split_data`, then `build_pipeline()` fitted on the
#   training part only, then `evaluate` on the test part, and returns that dict.
#
# Finally, in the text cell at the end, name each bug you found and why it mattered.
#
# Keep the model quick to fit (seconds, not minutes): each test cell is stopped after 25 s.
#
# **How it is graded.** Each function has its own tests; the tests of `run_experiment` use
# reference versions of the other three, so a slip in one never costs another's points. Hidden
# tests use data you have not seen. Your written answer is read by the interviewer.

# %% readonly id=setup
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

DATA_PATH = "data/churn.csv"
TARGET = "churned"

# %% [markdown]
# ## The experiment as it was left (read-only)

# %% readonly id=broken_experiment
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import StandardScaler

df = pd.read_csv(DATA_PATH)
X = df.drop(columns=[TARGET]).values
y = df[TARGET].values

# clean the features and keep the 8 most predictive ones
X = SimpleImputer(strategy="mean").fit_transform(X)
X = StandardScaler().fit_transform(X)
X = SelectKBest(f_classif, k=8).fit_transform(X, y)

# train on the first 80% of the rows, test on the last 40%
X_train, y_train = X[: int(len(X) * 0.8)], y[: int(len(X) * 0.8)]
X_test, y_test = X[int(len(X) * 0.6) :], y[int(len(X) * 0.6) :]

model = RandomForestClassifier(n_estimators=200, random_state=0).fit(X_train, y_train)
print(f"test accuracy: {accuracy_score(y_test, model.predict(X_test)):.3f}  -- ship it?")

# %% [markdown]
# ## Look at the data
# Not graded: change these cells as you like. How rare is the positive class? What would a
# model that always answers 0 score on the metric above?

# %%
print(df.shape)
print(df[TARGET].value_counts(normalize=True))
df.isna().mean().sort_values(ascending=False).head(6)

# %%
df.boxplot(column=["support_calls_90d", "days_since_login", "tenure_months"], by=TARGET,
           layout=(1, 3), figsize=(9, 3))
plt.show()

# %% [markdown]
# ## 1. `split_data(df)`

# %% answer id=split_data
def split_data(df):
    """Features and target, split 75/25 with stratification and a fixed seed."""
    ### BEGIN SOLUTION
    X = df.drop(columns=[TARGET])
    y = df[TARGET]
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=42)
    ### END SOLUTION

# %% tests id=split_data__visible points=1
_X_train, _X_test, _y_train, _y_test = split_data(df)
assert len(_X_train) == 900 and len(_X_test) == 300, (len(_X_train), len(_X_test))
assert TARGET not in _X_train.columns and list(_X_train.columns) == [c for c in df.columns if c != TARGET]
assert set(_X_train.index).isdisjoint(_X_test.index), "no row in both parts"
assert abs(_y_train.mean() - _y_test.mean()) < 0.01, "both parts keep the positive rate"
assert _X_train.isna().any().any(), "no imputation here: that belongs in the pipeline"

# %% tests id=split_data__features_and_target points=1
# Hidden test: on a fresh table, features are every other column, unchanged, and y is the target (1 point).
### BEGIN HIDDEN TESTS
def _hidden_split_data_features_and_target():
    """A fresh table from the checker (outside this kernel), which alone knows the right parts."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        fresh = _wire.to_frame(case.inputs["frame"]).rename(columns={case.inputs["target"]: TARGET})
        parts = _tk.quietly(split_data, fresh)
        assert isinstance(parts, (tuple, list)) and len(parts) == 4, "return (X_train, X_test, y_train, y_test)"
        X_train, X_test, y_train, y_test = parts
        case.answer([_wire.frame_json(X_train), _wire.frame_json(X_test),
                     _wire.series_json(y_train), _wire.series_json(y_test)])
_hidden_split_data_features_and_target()
### END HIDDEN TESTS

# %% tests id=split_data__exact_split points=2
# Hidden test: on a fresh table, exactly the rows of the specified stratified split (2 points).
### BEGIN HIDDEN TESTS
def _hidden_split_data_exact_split():
    """A fresh table from the checker (outside this kernel), which alone knows the right parts."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        fresh = _wire.to_frame(case.inputs["frame"]).rename(columns={case.inputs["target"]: TARGET})
        parts = _tk.quietly(split_data, fresh)
        assert isinstance(parts, (tuple, list)) and len(parts) == 4, "return (X_train, X_test, y_train, y_test)"
        X_train, X_test, y_train, y_test = parts
        case.answer([_wire.frame_json(X_train), _wire.frame_json(X_test),
                     _wire.series_json(y_train), _wire.series_json(y_test)])
_hidden_split_data_exact_split()
### END HIDDEN TESTS

# %% [markdown]
# ## 2. `build_pipeline()`

# %% answer id=build_pipeline
def build_pipeline():
    """An unfitted pipeline: every preprocessing step inside, a probabilistic classifier last."""
    ### BEGIN SOLUTION
    from sklearn.linear_model import LogisticRegression

    return Pipeline([
        ("impute", SimpleImputer(strategy="median")),
        ("scale", StandardScaler()),
        ("model", LogisticRegression(class_weight="balanced", max_iter=1000)),
    ])
    ### END SOLUTION

# %% tests id=build_pipeline__visible points=1
_X_train, _X_test, _y_train, _y_test = train_test_split(
    df.drop(columns=[TARGET]), df[TARGET], test_size=0.25, stratify=df[TARGET], random_state=42)
_pipeline = build_pipeline()
assert isinstance(_pipeline, Pipeline)
assert hasattr(_pipeline.steps[-1][1], "predict_proba"), "the last step is a classifier with predict_proba"
_pipeline.fit(_X_train, _y_train)
assert _pipeline.predict_proba(_X_test).shape == (len(_X_test), 2)

# %% tests id=build_pipeline__learns points=2
# Hidden test: fitted on the training part (missing values included), it learns (2 points).
### BEGIN HIDDEN TESTS
def _hidden_build_pipeline_learns():
    from mlscreen.kernel import testkit as _tk
    _tk.restore()
    import pandas as pd
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import train_test_split as reference_split
    table = pd.read_csv(DATA_PATH)
    X = table.drop(columns=[TARGET])
    y = table[TARGET]
    X_train, X_test, y_train, y_test = reference_split(X, y, test_size=0.25, stratify=y, random_state=42)
    assert X_train.isna().any().any()
    pipeline = _tk.quietly(build_pipeline)
    _tk.quietly(pipeline.fit, X_train, y_train, limit=25)
    scores = _tk.quietly(pipeline.predict_proba, X_test)[:, 1]
    precision = average_precision_score(y_test, scores)
    positive_rate = float(y_test.mean())
    assert precision >= 2 * positive_rate, (
        f"average precision {precision:.3f} is under twice the positive rate ({positive_rate:.3f})")
_hidden_build_pipeline_learns()
### END HIDDEN TESTS

# %% tests id=build_pipeline__unfitted_pipeline points=1
# Hidden test: a new, unfitted Pipeline on every call, whose last step has predict_proba (1 point).
### BEGIN HIDDEN TESTS
def _hidden_build_pipeline_unfitted():
    from mlscreen.kernel import testkit as _tk
    _tk.restore()
    import pandas as pd
    from sklearn.exceptions import NotFittedError
    from sklearn.model_selection import train_test_split as reference_split
    from sklearn.pipeline import Pipeline as ReferencePipeline
    from sklearn.utils.validation import check_is_fitted
    table = pd.read_csv(DATA_PATH)
    X_train, _, y_train, _ = reference_split(table.drop(columns=[TARGET]), table[TARGET], test_size=0.25,
                                             stratify=table[TARGET], random_state=42)
    for attempt in range(2):
        pipeline = _tk.quietly(build_pipeline)
        assert isinstance(pipeline, ReferencePipeline), "return a sklearn.pipeline.Pipeline"
        assert hasattr(pipeline.steps[-1][1], "predict_proba"), "the last step has predict_proba"
        try:
            check_is_fitted(pipeline)
        except NotFittedError:
            pass
        else:
            raise AssertionError("build_pipeline() must return an unfitted pipeline, every time")
        _tk.quietly(pipeline.fit, X_train, y_train, limit=25)
_hidden_build_pipeline_unfitted()
### END HIDDEN TESTS

# %% [markdown]
# ## 3. `evaluate(model, X_test, y_test)`

# %% answer id=evaluate
def evaluate(model, X_test, y_test):
    """Metrics that mean something for a rare positive class."""
    ### BEGIN SOLUTION
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

    scores = model.predict_proba(X_test)[:, 1]
    return {
        "roc_auc": float(roc_auc_score(y_test, scores)),
        "average_precision": float(average_precision_score(y_test, scores)),
        "f1": float(f1_score(y_test, model.predict(X_test))),
    }
    ### END SOLUTION

# %% tests id=evaluate__visible points=1
from sklearn.dummy import DummyClassifier

_coin = DummyClassifier(strategy="stratified", random_state=0).fit(_X_train, _y_train)
_metrics = evaluate(_coin, _X_test, _y_test)
assert {"roc_auc", "average_precision", "f1"} <= set(_metrics), _metrics
assert all(isinstance(_metrics[k], float) for k in ("roc_auc", "average_precision", "f1"))
assert 0.3 < _metrics["roc_auc"] < 0.7, "a _coin-flip model ranks no better than chance"
print(_metrics)

# %% tests id=evaluate__ranking_metrics points=2
# Hidden test: roc_auc and average_precision come from predict_proba(X_test)[:, 1] (2 points).
### BEGIN HIDDEN TESTS
import numpy as np
class _ScriptedModel:
    """A model whose probabilities and labels are fixed in advance (and deliberately disagree)."""

    classes_ = np.array([0, 1])

    def __init__(self, probabilities, labels):
        self.probabilities, self.labels = probabilities, labels

    def predict_proba(self, X):
        assert len(X) == len(self.probabilities), "predict_proba on X_test"
        return np.column_stack([1 - self.probabilities, self.probabilities])

    def predict(self, X):
        assert len(X) == len(self.labels), "predict on X_test"
        return self.labels.copy()

def _scripted_case(inputs):
    """The scripted model of a case the checker sent as plain data, with its X_test and y_test."""
    import pandas as pd
    y = pd.Series(inputs["y"], index=inputs["index"], name=TARGET, dtype="int64")
    model = _ScriptedModel(np.asarray(inputs["probabilities"], dtype=float), np.asarray(inputs["labels"], dtype=int))
    return model, pd.DataFrame({"f": inputs["feature"]}, index=y.index), y

def _evaluate_answer(case, keys):
    """Run `evaluate` on the case's scripted model; send the checker the values under `keys`."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    model, X, y = _scripted_case(case.inputs)
    got = _tk.quietly(evaluate, model, X, y)
    assert isinstance(got, dict), "return a dict"
    for key in keys:
        assert key in got, f"missing key {key!r}"
        assert isinstance(got[key], (float, np.floating)), f"{key} is a float"
    case.answer({key: _wire.plain(got[key]) for key in keys})

def _hidden_evaluate_ranking():
    """A fresh scripted model from the checker (outside this kernel), which alone knows the scores."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        _evaluate_answer(case, ("roc_auc", "average_precision"))
_hidden_evaluate_ranking()
### END HIDDEN TESTS

# %% tests id=evaluate__f1 points=1
# Hidden test: f1 comes from predict(X_test) (1 point).
### BEGIN HIDDEN TESTS
import numpy as np
def _hidden_evaluate_f1():
    """A fresh scripted model from the checker (outside this kernel), which alone knows the score."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        _evaluate_answer(case, ("f1",))
_hidden_evaluate_f1()
### END HIDDEN TESTS

# %% [markdown]
# ## 4. `run_experiment(df)`

# %% answer id=run_experiment
def run_experiment(df):
    """The fixed experiment: split, fit on the training part only, evaluate on the test part."""
    ### BEGIN SOLUTION
    X_train, X_test, y_train, y_test = split_data(df)
    model = build_pipeline().fit(X_train, y_train)
    return evaluate(model, X_test, y_test)
    ### END SOLUTION

# %% tests id=run_experiment__visible points=1
# Stand-ins for the other three functions during this test, so it checks run_experiment alone.
from sklearn.dummy import DummyClassifier

_yours = split_data, build_pipeline, evaluate
_calls = []
split_data = lambda df: _calls.append("split") or train_test_split(
    df.drop(columns=[TARGET]), df[TARGET], test_size=0.25, stratify=df[TARGET], random_state=42)
build_pipeline = lambda: _calls.append("build") or Pipeline([("impute", SimpleImputer()), ("_coin", DummyClassifier())])
evaluate = lambda model, X, y: _calls.append(("evaluate", len(X))) or {"roc_auc": 0.5, "average_precision": 0.1, "f1": 0.0}
try:
    _results = run_experiment(pd.read_csv(DATA_PATH))
finally:
    split_data, build_pipeline, evaluate = _yours
assert _calls == ["split", "build", ("evaluate", 300)], _calls
assert _results == {"roc_auc": 0.5, "average_precision": 0.1, "f1": 0.0}

# %% tests id=run_experiment__wiring points=2
# Hidden test: with reference split_data, build_pipeline and evaluate swapped in, run_experiment
# fits on the training part only, evaluates on the test part and returns evaluate's dict (2 points).
### BEGIN HIDDEN TESTS
def _hidden_run_experiment_wiring():
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    from sklearn.impute import SimpleImputer as RefImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split as reference_split
    from sklearn.pipeline import Pipeline as ReferencePipeline

    log = {"split": [], "built": [], "fitted": [], "evaluated": []}

    def rows(part):
        """The index of a pandas part, or the values of an array (either way of passing rows works)."""
        import numpy as np
        if hasattr(part, "index"):
            return ("index", list(part.index))
        return ("values", str(np.asarray(part, dtype=float).round(9).tolist()))

    def same_rows(got, part):
        import numpy as np
        kind, value = got
        if kind == "index":
            return value == list(part.index)
        return value == str(np.asarray(part, dtype=float).round(9).tolist())

    class RecordingPipeline(ReferencePipeline):
        def fit(self, X, y=None, **params):
            log["fitted"].append((rows(X), rows(y)))
            return super().fit(X, y, **params)

    def reference_split_data(df):
        X = df.drop(columns=[TARGET])
        parts = reference_split(X, df[TARGET], test_size=0.25, stratify=df[TARGET], random_state=42)
        log["split"].append(parts)
        return parts

    def reference_build_pipeline():
        pipeline = RecordingPipeline([("impute", RefImputer()), ("model", LogisticRegression(max_iter=500))])
        log["built"].append(pipeline)
        return pipeline

    sentinel = {"roc_auc": 0.61, "average_precision": 0.27, "f1": 0.19}

    def reference_evaluate(model, X_test, y_test):
        log["evaluated"].append((model, rows(X_test), rows(y_test)))
        return dict(sentinel)

    case = next(_wire.cases())  # a fresh table from the checker
    fresh = _wire.to_frame(case.inputs["frame"]).rename(columns={case.inputs["target"]: TARGET})
    with _tk.swapped(globals(), split_data=reference_split_data, build_pipeline=reference_build_pipeline,
                     evaluate=reference_evaluate):
        got = _tk.quietly(run_experiment, fresh.copy(), limit=25)
    assert len(log["split"]) == 1, "run_experiment calls split_data once"
    X_train, X_test, y_train, y_test = log["split"][0]
    assert log["built"] and log["fitted"], "run_experiment fits the pipeline from build_pipeline()"
    assert len(log["fitted"]) == 1, "fit the pipeline once, on the training part"
    assert same_rows(log["fitted"][0][0], X_train) and same_rows(log["fitted"][0][1], y_train), (
        "fit on the training part only")
    assert len(log["evaluated"]) == 1, "run_experiment calls evaluate once"
    model, x_rows, y_rows = log["evaluated"][0]
    assert model in log["built"], "evaluate the fitted pipeline"
    assert same_rows(x_rows, X_test) and same_rows(y_rows, y_test), "evaluate on the test part"
    assert isinstance(got, dict) and all(
        key in got and _tk.close(got[key], value, tol=0.005) for key, value in sentinel.items()
    ), f"return the dict evaluate returned ({sentinel}), got {got}"
_hidden_run_experiment_wiring()
### END HIDDEN TESTS

# %% [markdown] manual id=explain_bugs points=3
# ## 5. What was wrong? (read by the interviewer)
# Name each bug you found in the original experiment and say why it mattered: what did it do to
# the number it printed?
#
# ### BEGIN SOLUTION
# 1. **Data leakage.** The imputer, the scaler and above all `SelectKBest` were fitted on every
#    row, test rows included, before the split: the feature selection saw the test labels and
#    kept features that happen to agree with them, so the test score was optimistic. Every step
#    that learns from data belongs inside a pipeline fitted on the training part only.
# 2. **Incorrect train-test split.** Training used the first 80% of the rows and testing the
#    last 40%: the two overlap by 20% of the data, so the model was tested on rows it had
#    memorised. The split was also not shuffled nor stratified, with a rare positive class.
# 3. **Wrong metric.** Accuracy on a target with about 10% positives: a model that always says
#    "no churn" scores about 0.9. ROC AUC, average precision and F1 say how well the rare class
#    is found.
# ### END SOLUTION
