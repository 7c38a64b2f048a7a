# %% [markdown]
# # Exercise 1: predictive data cleaning (about 20 minutes)
#
# A customer table was exported by three different systems, and each marked a missing value
# in its own way. Before any model can learn from it, it has to be loaded honestly, its gaps
# reported and the numeric gaps filled. Write three small functions:
#
# | function | returns |
# |---|---|
# | `load_data(path)` | the CSV as a `DataFrame`, every missing-value marker turned into a real missing value, numeric columns numeric, text stripped |
# | `missing_report(df)` | a `Series`: the percentage (0 to 100) of missing values per column, every column included |
# | `impute_median(df)` | a **new** frame in which every missing value of a numeric column is replaced by that column's median |
#
# **The missing-value markers.** A field is missing when it is empty or only spaces, or is one
# of `NA`, `N/A`, `?`, `-` (exactly these, case as written), or the word `unknown` in any letter
# case (`Unknown`, `UNKNOWN`, ...), each possibly surrounded by spaces. A negative number such
# as `-3.5` is a value, not a marker. Numbers are plain decimals (`42`, `-3.5`, `0.25`).
#
# **What a good answer handles:** every marker above, with and without surrounding spaces; a
# column that is numeric once its markers are gone; text columns stripped of surrounding
# spaces; columns with nothing missing (they report `0.0`); a frame with no rows; numeric
# columns with no observed value (left as they are); never modifying the caller's frame.
#
# **How it is graded.** Each function has its own tests. The visible tests below show the
# shape of a right answer; hidden tests then check the same behaviour on fresh data you have
# not seen, so write the general rule, not the answer for this file. Any correct style earns
# full marks: loops or vectorised pandas, any order of the report's entries. Run the visible
# tests as you go (they are the cells marked as tests; you cannot edit them).

# %% readonly id=setup
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

DATA_PATH = "data/customers_raw.csv"

# %% [markdown]
# ## Look at the data first
# The cell below shows the raw text of the file, before any parsing, and a quick plot. Change
# it as you like: it is not graded.

# %%
raw = pd.read_csv(DATA_PATH, dtype=str, keep_default_na=False)
print(raw.shape)
raw.head(10)

# %%
# Which raw strings occur in each column, and how often? (Markers hide in the long tail.)
for column in raw.columns:
    print(column, raw[column].str.strip().value_counts().head(8).to_dict())

# %% [markdown]
# ## 1. `load_data(path)`
# Read the CSV at `path`. Every marker becomes a missing value (`NaN`/`None`); every column whose
# remaining values are all numbers comes back with a numeric dtype; every other column keeps
# its text, stripped of surrounding spaces.

# %% answer id=load_data
def load_data(path):
    """Load the raw CSV, turning every missing-value marker into a missing value."""
    ### BEGIN SOLUTION
    import re

    marker = re.compile(r"^\s*(?:|NA|N/A|\?|-|[uU][nN][kK][nN][oO][wW][nN])\s*$")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:
        text = frame[column].map(lambda value: None if marker.match(value) else value.strip())
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().sum() == text.notna().sum():
            frame[column] = numbers.astype("float64")
        else:
            frame[column] = text.astype(object)
    return frame
    ### END SOLUTION

# %% tests id=load_data__visible points=1
_loaded = load_data(DATA_PATH)
assert isinstance(_loaded, pd.DataFrame)
assert _loaded.shape == (400, 9), _loaded.shape
assert pd.api.types.is_numeric_dtype(_loaded["age"]), "age holds only numbers once markers are gone"
assert _loaded["age"].isna().any(), "age has missing values in this file"
assert not pd.api.types.is_numeric_dtype(_loaded["city"]), "city is text"
assert (_loaded["balance"] < 0).any(), "negative balances are values, not markers"
assert _loaded["city"].dropna().str.strip().eq(_loaded["city"].dropna()).all(), "strip text"

# %% tests id=load_data__markers points=2
# Hidden test: on a fresh CSV, exactly the marker fields are missing (2 points).
### BEGIN HIDDEN TESTS
def _hidden_load_data_markers():
    """Fresh CSVs from the checker (outside this kernel): it alone knows what each should load as."""
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        path = _tk.scratch_dir() / "fresh_customers.csv"
        path.write_text(case.inputs["csv"], encoding="utf-8")
        case.answer(_wire.frame_json(_tk.quietly(load_data, str(path))))
_hidden_load_data_markers()
### END HIDDEN TESTS

# %% tests id=load_data__numbers points=2
# Hidden test: on a fresh CSV, number columns come back numeric with the right values (2 points).
### BEGIN HIDDEN TESTS
def _hidden_load_data_numbers():
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        path = _tk.scratch_dir() / "fresh_customers.csv"
        path.write_text(case.inputs["csv"], encoding="utf-8")
        case.answer(_wire.frame_json(_tk.quietly(load_data, str(path))))
_hidden_load_data_numbers()
### END HIDDEN TESTS

# %% tests id=load_data__text points=1
# Hidden test: on a fresh CSV, text columns keep their text, stripped of surrounding spaces (1 point).
### BEGIN HIDDEN TESTS
def _hidden_load_data_text():
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        path = _tk.scratch_dir() / "fresh_customers.csv"
        path.write_text(case.inputs["csv"], encoding="utf-8")
        case.answer(_wire.frame_json(_tk.quietly(load_data, str(path))))
_hidden_load_data_text()
### END HIDDEN TESTS

# %% [markdown]
# ## 2. `missing_report(df)`
# Return a `Series` indexed by column name: the percentage (a float from 0 to 100) of missing
# values in each column of `df`, one entry per column, including columns with nothing missing,
# in any order. A frame with no rows reports `0.0` for every column. Values within 0.01 of the
# exact percentage are right, so rounding to two decimals is fine.

# %% answer id=missing_report
def missing_report(df):
    """Percentage of missing values per column (0 to 100)."""
    ### BEGIN SOLUTION
    if len(df) == 0:
        return pd.Series(0.0, index=df.columns, dtype="float64")
    return df.isna().mean() * 100.0
    ### END SOLUTION

# %% tests id=missing_report__visible points=1
_sample = pd.DataFrame({"age": [31.0, None, 45.0, None], "city": ["Lisbon", None, "Osaka", "Austin"],
                       "plan": ["pro", "basic", "pro", "basic"]})
_report = missing_report(_sample)
assert isinstance(_report, pd.Series)
assert set(_report.index) == {"age", "city", "plan"}, "one entry per column"
assert abs(_report["age"] - 50.0) <= 0.01 and abs(_report["city"] - 25.0) <= 0.01
assert _report["plan"] == 0.0, "a column with nothing missing reports 0.0"

# %% tests id=missing_report__values points=2
# Hidden test: the right percentage for each column of fresh frames, in any order (2 points).
### BEGIN HIDDEN TESTS
def _hidden_missing_report_values():
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        case.answer(_wire.series_json(_tk.quietly(missing_report, _wire.to_frame(case.inputs["frame"]))))
_hidden_missing_report_values()
### END HIDDEN TESTS

# %% tests id=missing_report__every_column points=1
# Hidden test: columns with nothing missing report 0.0, and so does a frame with no rows (1 point).
### BEGIN HIDDEN TESTS
def _hidden_missing_report_every_column():
    from mlscreen.kernel import testkit as _tk
    _tk.restore()
    import numpy as np
    import pandas as pd
    frame = pd.DataFrame({"score": [1.0, np.nan, 3.0, 4.0], "team": ["a", "b", None, "d"],
                          "count": [1, 2, 3, 4], "label": ["x", "y", "z", "w"]})
    for case in (frame, frame.iloc[0:0]):
        got = _tk.quietly(missing_report, case.copy())
        reported = dict(zip((str(k) for k in got.index.tolist()), got.tolist()))
        assert set(reported) == set(case.columns), f"expected one entry per column, got {sorted(reported)}"
        for column in ("count", "label") if len(case) else case.columns:
            assert _tk.close(reported[column], 0.0), f"column {column!r}: expected 0.0, got {reported[column]}"
_hidden_missing_report_every_column()
### END HIDDEN TESTS

# %% [markdown]
# ## 3. `impute_median(df)`
# Return a **new** frame with the same columns and index, in which every missing value of a
# numeric column (int or float dtype) is replaced by the median of that column's observed
# values. Non-numeric columns, and numeric columns with no observed value, come back unchanged.
# The frame passed in is not modified.

# %% answer id=impute_median
def impute_median(df):
    """A copy of `df` with numeric gaps filled by each column's median."""
    ### BEGIN SOLUTION
    result = df.copy()
    for column in result.columns:
        if pd.api.types.is_numeric_dtype(result[column]) and result[column].notna().any():
            result[column] = result[column].fillna(result[column].median())
    return result
    ### END SOLUTION

# %% tests id=impute_median__visible points=1
_sample = pd.DataFrame({"age": [30.0, None, 50.0, 40.0], "visits": [1, 2, 3, 4],
                       "city": ["Lisbon", None, "Osaka", "Austin"]}, index=["a", "b", "c", "d"])
_before = _sample.copy()
_filled = impute_median(_sample)
assert isinstance(_filled, pd.DataFrame)
assert list(_filled.columns) == list(_sample.columns) and _filled.index.equals(_sample.index)
assert _filled.loc["b", "age"] == 40.0, "the gap gets the median of 30, 50 and 40"
assert _filled["city"].isna().sum() == 1, "text columns are left alone"
assert _sample.equals(_before), "the input frame is not modified"

# %% tests id=impute_median__values points=2
# Hidden test: on a fresh frame with its own index, numeric gaps get the column median (2 points).
### BEGIN HIDDEN TESTS
def _hidden_impute_median_values():
    from mlscreen.kernel import testkit as _tk, wire as _wire
    _tk.restore()
    for case in _wire.cases():
        case.answer(_wire.frame_json(_tk.quietly(impute_median, _wire.to_frame(case.inputs["frame"]))))
_hidden_impute_median_values()
### END HIDDEN TESTS

# %% tests id=impute_median__untouched_columns points=1
# Hidden test: text columns and numeric columns with no observed value come back unchanged (1 point).
### BEGIN HIDDEN TESTS
def _hidden_impute_median_untouched():
    from mlscreen.kernel import testkit as _tk
    _tk.restore()
    import numpy as np
    import pandas as pd
    frame = pd.DataFrame({
        "amount": [2.0, np.nan, 4.0, 10.0, np.nan],
        "never_measured": [np.nan] * 5,
        "plan": ["basic", None, "pro", None, "basic"],
        "code": ["7", "8", None, "9", "10"],
    }, index=[10, 30, 20, 50, 40])
    got = _tk.quietly(impute_median, frame.copy())
    assert all(_tk.is_missing(v) for v in got["never_measured"].tolist()), "a column with no observed value stays missing"
    for column in ("plan", "code"):
        for have, want in zip(got[column].tolist(), frame[column].tolist()):
            assert (_tk.is_missing(have) and _tk.is_missing(want)) or have == want, (
                f"text column {column!r} changed: {want!r} became {have!r}")
    assert [_tk.close(v, w) for v, w in zip(got["amount"].tolist(), [2.0, 4.0, 4.0, 10.0, 4.0])] == [True] * 5
_hidden_impute_median_untouched()
### END HIDDEN TESTS

# %% tests id=impute_median__input_unchanged points=1
# Hidden test: the frame passed in is not modified (1 point).
### BEGIN HIDDEN TESTS
def _hidden_impute_median_input_unchanged():
    from mlscreen.kernel import testkit as _tk
    _tk.restore()
    import numpy as np
    import pandas as pd
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan, 5.0, 7.0], "t": ["x", None, "z"]})
    snapshot = {c: [None if _tk.is_missing(v) else v for v in frame[c].tolist()] for c in frame.columns}
    result = _tk.quietly(impute_median, frame)
    assert result is not frame, "return a new frame"
    after = {c: [None if _tk.is_missing(v) else v for v in frame[c].tolist()] for c in frame.columns}
    assert after == snapshot, "the input frame was modified"
_hidden_impute_median_input_unchanged()
### END HIDDEN TESTS

# %% [markdown]
# ## Try it on the file
# Not graded: see what your functions make of the file, and how the gaps spread per column.

# %%
clean = load_data(DATA_PATH)
report = missing_report(clean).sort_values()
report.plot.barh(title="% missing per column", figsize=(6, 3))
plt.show()
impute_median(clean).describe()
