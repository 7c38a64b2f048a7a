"""The grading report's figures, drawn from the CSV files in `reports/`: the one place both
`reports/report.html` and `notebooks/grading_report.ipynb` get them from, so they are the same.

- `scores`: the distribution of points per notebook (share of its autograded points);
- `items`: item analysis, the pass rate of every test cell, with the most-missed hidden
  behaviours and the tests no one fails (they measure nothing) marked;
- `candidates`: each candidate's points by notebook, with status and flags;
- `answers`: which answers each candidate got right (a blank cell: never graded).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..common.charts import new_figure, png_bytes
from ..course.layout import NOTEBOOKS

FIGURES = {
    "scores": "Score distribution per notebook",
    "items": "Item analysis: pass rate of every test",
    "candidates": "Each candidate: points, status and flags",
    "answers": "Which answers each candidate got right",
}
TABLES = ("grades", "answers", "cells")
MOST_MISSED = 3  # hidden tests highlighted as the most missed
_HIDDEN, _VISIBLE, _MISSED, _NEVER_FAILED = "#4c72b0", "#a6c3e6", "#d62728", "#b0b0b0"
_STATUS_COLOURS = {"graded": "#222222", "skipped": "#222222", "incomplete": "#b35900", "failed": "#d62728"}


def _bools(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Columns that CSV gives back as text ('True'/'False') made booleans again."""
    for column in columns:
        if column in frame and frame[column].dtype != bool:
            frame[column] = frame[column].astype(str).str.lower().eq("true")
    return frame


def load_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """`grades.csv`, `answers.csv` and `cells.csv` of a report folder, with their types."""
    tables = {name: pd.read_csv(folder / f"{name}.csv", keep_default_na=False) for name in TABLES}
    _bools(tables["answers"], "written", "needs_manual_grade", "graded")
    _bools(tables["cells"], "passed", "graded", "hidden")
    return tables


def _notebook_points(answers: pd.DataFrame) -> pd.DataFrame:
    """Per candidate and notebook: autograded points, the most there are, and whether graded."""
    auto = answers[~answers["written"]]
    return (auto.groupby(["candidate", "notebook"], sort=False)
            .agg(score=("score", "sum"), max_score=("max_score", "sum"), graded=("graded", "any"))
            .reset_index())


def _nothing(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


def score_distribution(answers: pd.DataFrame) -> Figure:
    """Per notebook, every graded candidate's share of its points: a box and the candidates as dots."""
    fig, ax = new_figure(7.5, 4.2)
    points = _notebook_points(answers)
    points = points[points["graded"] & (points["max_score"] > 0)]
    labels = []
    for i, notebook in enumerate(NOTEBOOKS):
        rows = points[points["notebook"] == notebook].sort_values("candidate")
        shares = (100 * rows["score"] / rows["max_score"]).to_numpy(dtype=float)
        most = answers.loc[(answers["notebook"] == notebook) & ~answers["written"]].groupby("candidate")[
            "max_score"].sum().max()
        labels.append(f"{notebook}\n{0 if pd.isna(most) else most:g} points, {len(shares)} graded")
        if len(shares):
            ax.boxplot([shares], positions=[i], widths=0.45, showfliers=False, patch_artist=True,
                       boxprops={"facecolor": "#dde6f3", "edgecolor": _HIDDEN},
                       medianprops={"color": _HIDDEN, "linewidth": 2})
            spread = np.linspace(-0.16, 0.16, len(shares)) if len(shares) > 1 else np.zeros(1)
            ax.scatter(i + spread, shares, s=28, color="#222222", zorder=3)
            ax.text(i + 0.3, float(np.mean(shares)), f"mean {np.mean(shares):.0f}%", fontsize=7, va="center")
    ax.set_xticks(range(len(NOTEBOOKS)), labels, fontsize=8)
    ax.set_xlim(-0.6, len(NOTEBOOKS) - 0.3)
    ax.set_ylim(-5, 105)
    ax.set_ylabel("share of the notebook's autograded points (%)", fontsize=8)
    ax.set_title(FIGURES["scores"] + " (each dot a candidate)", fontsize=10)
    if points.empty:
        _nothing(ax, "no notebook graded yet")
    return fig


def item_rates(cells: pd.DataFrame) -> pd.DataFrame:
    """Per test cell (in notebook order): passed, graded, pass rate, hidden, and its mark
    (`most missed` for the hidden tests failed most, `never failed` for a test no one fails)."""
    graded = cells[cells["graded"]]
    if graded.empty:
        return pd.DataFrame(columns=["notebook", "grade_id", "passed", "graded", "rate", "hidden", "mark"])
    rates = (graded.groupby(["notebook", "grade_id"], sort=False)
             .agg(passed=("passed", "sum"), graded=("passed", "size"), hidden=("hidden", "first"))
             .reset_index())
    rates["rate"] = rates["passed"] / rates["graded"]
    rates["mark"] = ""
    rates.loc[rates["rate"] >= 1.0, "mark"] = "never failed"
    missed = rates[rates["hidden"] & (rates["rate"] < 1.0)].sort_values("rate", kind="stable")
    if not missed.empty:
        cutoff = missed["rate"].iloc[min(MOST_MISSED, len(missed)) - 1]
        rates.loc[missed.index[missed["rate"] <= cutoff], "mark"] = "most missed"
    order = {name: i for i, name in enumerate(NOTEBOOKS)}
    return rates.sort_values("notebook", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def item_analysis(cells: pd.DataFrame) -> Figure:
    """The pass rate of every test cell, hidden tests dark, the most missed red, never failed grey."""
    rates = item_rates(cells)
    fig, ax = new_figure(8.5, 0.24 * max(len(rates), 4) + 1.8)
    if rates.empty:
        _nothing(ax, "no test graded yet")
        ax.set_title(FIGURES["items"], fontsize=10)
        return fig
    colours = [_MISSED if mark == "most missed" else _NEVER_FAILED if mark == "never failed"
               else _HIDDEN if hidden else _VISIBLE for mark, hidden in zip(rates["mark"], rates["hidden"])]
    y = np.arange(len(rates))
    ax.barh(y, 100 * rates["rate"], color=colours, height=0.75)
    for i, row in rates.iterrows():
        note = f"{row['passed']}/{row['graded']}" + (f"  {row['mark']}" if row["mark"] else "")
        ax.text(100 * row["rate"] + 1, i, note, va="center", fontsize=6.5,
                color=_MISSED if row["mark"] == "most missed" else "#333333")
    ax.set_yticks(y, [f"{gid}{'' if hidden else ' (visible)'}" for gid, hidden in zip(rates["grade_id"], rates["hidden"])],
                  fontsize=6.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 128)
    ax.set_xticks(range(0, 101, 25))
    ax.set_xlabel("candidates passing the test (%)", fontsize=8)
    for boundary in np.flatnonzero(rates["notebook"].to_numpy()[1:] != rates["notebook"].to_numpy()[:-1]):
        ax.axhline(boundary + 0.5, color="#888888", linewidth=0.6)
    ax.legend(handles=[Patch(color=_HIDDEN, label="hidden test"), Patch(color=_VISIBLE, label="visible test"),
                       Patch(color=_MISSED, label="most-missed hidden behaviour"),
                       Patch(color=_NEVER_FAILED, label="no one fails it: measures nothing")],
              loc="upper center", bbox_to_anchor=(0.45, -0.6 / fig.get_figheight()), ncol=4, fontsize=6.5,
              frameon=False)
    ax.set_title(FIGURES["items"] + " (graded notebooks only)", fontsize=10)
    return fig


def candidate_points(grades: pd.DataFrame) -> Figure:
    """Points per candidate, stacked by notebook, with the status and the number of flags."""
    fig, ax = new_figure(8.5, 0.42 * max(len(grades), 2) + 1.6)
    if grades.empty:
        _nothing(ax, "no candidate")
        return fig
    left = pd.Series(0.0, index=grades.index)
    for name in NOTEBOOKS:
        values = pd.to_numeric(grades[name], errors="coerce").fillna(0.0)
        ax.barh(grades["candidate"], values, left=left, label=name)
        left += values
    most = float(pd.to_numeric(grades["max"], errors="coerce").max() or 1.0)
    for i, row in grades.reset_index(drop=True).iterrows():
        flags = [line for line in str(row.get("flags", "")).split("\n") if line]
        words = [] if row["status"] == "graded" else [str(row["status"])]
        words += [f"{len(flags)} flag{'s' if len(flags) > 1 else ''} to review"] if flags else []
        ax.text(float(left.iloc[i]) + most * 0.01, i, "  ".join(words), va="center", fontsize=7,
                color=_STATUS_COLOURS.get(str(row["status"]), "#222222"))
    for label, status in zip(ax.get_yticklabels(), grades["status"]):
        label.set_color(_STATUS_COLOURS.get(str(status), "#222222"))
    ax.set_xlim(0, most * 1.35)
    ax.axvline(most, color="#888888", linewidth=0.6, linestyle="--")
    ax.set_xlabel(f"autograded points (of {most:g})", fontsize=8)
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=7)
    ax.set_title(FIGURES["candidates"], fontsize=10)
    return fig


def answer_grid(answers: pd.DataFrame) -> Figure:
    """A candidate x answer grid of the share of each answer's points (blank: never graded)."""
    auto = answers[~answers["written"]]
    if auto.empty:
        fig, ax = new_figure(6, 2.5)
        _nothing(ax, "no answer graded yet")
        return fig
    shares = auto.assign(share=(auto["score"] / auto["max_score"].where(auto["max_score"] > 0)).where(auto["graded"]))
    grid = shares.pivot_table(index="candidate", columns="answer", values="share", aggfunc="max", dropna=False)
    order = auto.drop_duplicates("answer").sort_values(
        "notebook", key=lambda names: names.map(NOTEBOOKS.index), kind="stable")["answer"]
    grid = grid.reindex(index=auto["candidate"].drop_duplicates(), columns=order)
    fig, ax = new_figure(1.0 * len(grid.columns) + 3, 0.4 * len(grid) + 2)
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(grid.columns)), grid.columns, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(grid.index)), grid.index, fontsize=8)
    fig.colorbar(image, ax=ax, label="share of the answer's points")
    ax.set_title(FIGURES["answers"], fontsize=10)
    return fig


def draw(tables: dict[str, pd.DataFrame]) -> dict[str, Figure]:
    """Every figure of the report, by name (see FIGURES), from its tables."""
    return {
        "scores": score_distribution(tables["answers"]),
        "items": item_analysis(tables["cells"]),
        "candidates": candidate_points(tables["grades"]),
        "answers": answer_grid(tables["answers"]),
    }


def report_figures(folder: Path) -> dict[str, bytes]:
    """Every figure as PNG bytes, drawn from the CSV files in `folder` (a `reports/` folder)."""
    return {name: png_bytes(figure) for name, figure in draw(load_tables(folder)).items()}
