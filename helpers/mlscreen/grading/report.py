"""The grades of a batch: a printed table, CSV files and a report with plots (Markdown and HTML)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..common.charts import img_tag, new_figure, png_bytes
from ..course.layout import NOTEBOOKS, Course
from .results import GradingSummary


def grades_table(summary: GradingSummary) -> pd.DataFrame:
    """One row per candidate: status, points per notebook, total and percentage, notes."""
    rows = []
    for result in summary.results:
        row = {"candidate": result.student, "status": result.status}
        for name in NOTEBOOKS:
            score, max_score = result.notebook_score(name)
            row[name] = score
        row["total"] = result.score
        row["max"] = result.max_score
        row["percent"] = round(100 * result.score / result.max_score, 1) if result.max_score else 0.0
        row["written"] = result.written
        row["notes"] = "; ".join(result.notes)
        rows.append(row)
    return pd.DataFrame(rows)


def answers_table(summary: GradingSummary) -> pd.DataFrame:
    """One row per candidate and answer name, with its points (for per-answer plots); `graded` is
    False for an answer nbgrader never graded (0 points then mean "nothing to grade")."""
    return pd.DataFrame(
        [
            {"candidate": a.student, "notebook": a.notebook, "answer": a.answer, "score": a.score,
             "max_score": a.max_score, "written": a.written, "needs_manual_grade": a.needs_manual_grade,
             "graded": a.graded}
            for result in summary.results for a in result.answers
        ],
        columns=["candidate", "notebook", "answer", "score", "max_score", "written",
                 "needs_manual_grade", "graded"],
    )


def format_table(summary: GradingSummary) -> str:
    """The grades as a plain-text table, followed by one line per note."""
    table = grades_table(summary)
    shown = table.drop(columns=["notes"]).to_string(index=False)
    notes = [f"  {r.student}: {note}" for r in summary.results for note in r.notes]
    return shown + ("\n\nNotes:\n" + "\n".join(notes) if notes else "")


def _score_chart(table: pd.DataFrame, path: Path) -> Path:
    fig, ax = new_figure(8, 0.45 * len(table) + 1.5)
    left = pd.Series(0.0, index=table.index)
    for name in NOTEBOOKS:
        ax.barh(table["candidate"], table[name], left=left, label=name)
        left += table[name]
    ax.set_xlabel("autograded points")
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Points per candidate, by notebook")
    path.write_bytes(png_bytes(fig))
    return path


def _answer_chart(answers: pd.DataFrame, path: Path) -> Path:
    answers = answers[~answers["written"]]
    # an answer never graded (its notebook missing or unreadable) is a blank cell, not a red 0
    shares = answers.assign(share=(answers["score"] / answers["max_score"].where(answers["max_score"] > 0))
                            .where(answers["graded"]))
    grid = shares.pivot_table(index="candidate", columns="answer", values="share", aggfunc="max")
    order = answers.drop_duplicates("answer").sort_values(
        "notebook", key=lambda names: names.map(NOTEBOOKS.index), kind="stable")["answer"]
    grid = grid.reindex(index=answers["candidate"].drop_duplicates(), columns=order)
    fig, ax = new_figure(1.0 * len(grid.columns) + 3, 0.4 * len(grid) + 2)
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(grid.columns)), grid.columns, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(grid.index)), grid.index, fontsize=8)
    fig.colorbar(image, ax=ax, label="share of the answer's points")
    ax.set_title("Which answers each candidate got right")
    path.write_bytes(png_bytes(fig))
    return path


def write_report(course: Course, summary: GradingSummary) -> Path:
    """Write grades.csv, answers.csv, two charts and report.md / report.html; return the HTML path."""
    out = course.reports
    out.mkdir(parents=True, exist_ok=True)
    table, answers = grades_table(summary), answers_table(summary)
    table.to_csv(out / "grades.csv", index=False)
    answers.to_csv(out / "answers.csv", index=False)
    charts = [_score_chart(table, out / "scores.png")]
    if not answers.empty:
        charts.append(_answer_chart(answers, out / "answers.png"))
    notes = [f"- **{r.student}**: {note}" for r in summary.results for note in r.notes]
    markdown = "\n".join([
        f"# Coding screen grades: {course.assignment}", "",
        "```\n" + table.drop(columns=["notes"]).to_string(index=False) + "\n```", "",
        *(f"![{c.stem}]({c.name})" for c in charts), "",
        "## Notes", "", *(notes or ["- none"]), "",
        "`total` and `max` are autograded points. The written answer of `debug_classifier` "
        "(`explain_bugs`) is graded by hand in nbgrader's formgrader: the `written` column says "
        "`pending` until then.",
    ])
    (out / "report.md").write_text(markdown + "\n", encoding="utf-8")
    page = "\n".join([
        "<!doctype html><meta charset='utf-8'><title>Coding screen grades</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px}</style>",
        f"<h1>Coding screen grades: {html.escape(course.assignment)}</h1>",
        table.to_html(index=False, escape=True),
        *(img_tag(c.read_bytes(), c.stem) for c in charts),
        "<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n[2:])}</li>" for n in notes) + "</ul>",
    ])
    report = out / "report.html"
    report.write_text(page, encoding="utf-8")
    return report

