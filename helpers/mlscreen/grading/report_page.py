"""`reports/report.html`: one self-contained page a grader can take in at a glance: the batch in
one line, the figures, each candidate's row with status and flags, the candidates that could not
be graded and why, and every flagged pair of answers side by side."""

from __future__ import annotations

import html

import pandas as pd

from ..common.charts import img_tag
from ..course.layout import NOTEBOOKS
from .figures import FIGURES, item_rates
from .flags import MACHINERY, REFERENCE, Flag, flag_lines, review_pairs
from .results import GradingSummary

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right}td.text{max-width:30em;font-size:12px}.failed{color:#d62728;font-weight:bold}
.incomplete{color:#b35900;font-weight:bold}.lead{font-size:1.1em}.muted{color:#666}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em;margin-bottom:1.5em}.pair>div{min-width:0}
pre{background:#fafafa;border:1px solid #ddd;padding:6px;overflow-x:auto;font-size:12px;margin:0}
pre span.same{background:#ffe08a}h3{margin-bottom:.3em}img{max-width:100%;display:block;margin:1em 0}
"""
_WHY = ("not submitted", "not valid notebook JSON", "could not grade", "kernel", "stopped before")


def _e(value: object) -> str:
    return html.escape(str(value))


def _number(value: object) -> str:
    try:
        return f"{round(float(value), 2):g}"
    except (TypeError, ValueError):
        return _e(value)


def _lead(summary: GradingSummary) -> str:
    counts = pd.Series([r.status for r in summary.results]).value_counts()
    flagged = sum(1 for r in summary.results if r.flags)
    parts = ", ".join(f"{n} {status}" for status, n in counts.items())
    return (f"<p class='lead'>{len(summary.results)} candidate(s): {_e(parts)}; "
            f"<b>{flagged}</b> with flags to review. Flags never change a score.</p>")


def _candidates(grades: pd.DataFrame, summary: GradingSummary) -> str:
    head = ["candidate", "status", *NOTEBOOKS, "total", "max", "percent", "written", "flags", "notes"]
    rows = []
    for (_, row), result in zip(grades.iterrows(), summary.results):
        status = str(row["status"])
        flags = "<br>".join(_e(line) for line in flag_lines(result.flags))
        notes = "<br>".join(_e(note) for note in result.notes)
        numbers = "".join(f"<td class='num'>{_number(row[c])}</td>" for c in (*NOTEBOOKS, "total", "max", "percent"))
        rows.append(f"<tr><td>{_e(row['candidate'])}</td><td class='{_e(status)}'>{_e(status)}</td>{numbers}"
                    f"<td>{_e(row['written'])}</td><td class='text'>{flags}</td><td class='text'>{notes}</td></tr>")
    return ("<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>")


def _ungraded(summary: GradingSummary) -> str:
    rows = []
    for result in summary.results:
        if result.status not in ("failed", "incomplete"):
            continue
        why = [n for n in result.notes if any(word in n for word in _WHY)] or result.notes
        never = sorted({a.notebook for a in result.answers if not a.graded})
        rows.append(f"<tr><td>{_e(result.student)}</td><td class='{result.status}'>{result.status}</td>"
                    f"<td>{_e(', '.join(never) or '-')}</td><td>{'<br>'.join(_e(w) for w in why)}</td></tr>")
    if not rows:
        return "<p>Every candidate was graded.</p>"
    return ("<table><tr><th>candidate</th><th>status</th><th>never graded</th><th>why</th></tr>"
            + "".join(rows) + "</table>")


def _items(cells: pd.DataFrame) -> str:
    rates = item_rates(cells)
    if rates.empty:
        return ""
    missed = rates[rates["mark"] == "most missed"]
    never = rates[rates["mark"] == "never failed"]
    def cell(row) -> str:
        return f"<code>{_e(row['grade_id'])}</code> ({row['passed']}/{row['graded']})"
    text = ["<p><b>Most-missed hidden behaviours:</b> "
            + (", ".join(cell(r) for _, r in missed.iterrows()) or "none") + ".</p>"]
    if not never.empty:
        text.append("<p><b>No one fails</b> (these tests measure nothing in this batch): "
                    + ", ".join(cell(r) for _, r in never.iterrows()) + ".</p>")
    return "".join(text)


def _code(source: str, same: frozenset[int]) -> str:
    lines = source.rstrip("\n").split("\n")
    shown = [f"<span class='same'>{_e(line) or ' '}</span>" if n in same else _e(line)
             for n, line in enumerate(lines, start=1)]
    return "<pre>" + "\n".join(shown) + "</pre>"


def _groups(pairs: list[Flag]) -> list[list[Flag]]:
    """Alike pairs of one answer joined into groups of candidates who share it, strongest first."""
    groups: list[tuple[set[str], list[Flag]]] = []
    for pair in pairs:  # strongest first (review_pairs)
        joined = [g for g in groups if g[0] & {pair.student, pair.other}]
        members, found = {pair.student, pair.other}, [pair]
        for g in joined:
            members |= g[0]
            found = g[1] + found
            groups.remove(g)
        groups.append((members, sorted(found, key=lambda f: -f.share)))
    return [found for _, found in sorted(groups, key=lambda g: -g[1][0].share)]


def _review(flags: list[Flag]) -> str:
    parts, by_answer = [], {}
    for pair in review_pairs(flags):
        by_answer.setdefault((pair.notebook, pair.answer), []).append(pair)
    for (notebook, answer), pairs in by_answer.items():
        for group in _groups(pairs):
            best = group[0]
            other = REFERENCE if best.other == REFERENCE else best.other
            names = sorted({f.student for f in group} | {f.other for f in group})
            parts.append(f"<h3>{_e(notebook)}/{_e(answer)}: {_e(', '.join(names))}</h3>"
                         f"<p class='muted'>{_e(best.student)}: {_e(best.reason)}; the lines they share are "
                         "marked.</p>"
                         f"<div class='pair'><div><b>{_e(best.student)}</b>{_code(best.mine, best.mine_lines)}</div>"
                         f"<div><b>{_e(other)}</b>{_code(best.theirs, best.theirs_lines)}</div></div>")
            if len(group) > 1:
                parts.append("<p class='muted'>Also alike: " + ", ".join(
                    f"{_e(f.student)} and {_e(f.other)} ({f.share:.0%})" for f in group[1:]) + ".</p>")
    for flag in (f for f in flags if f.kind == MACHINERY):
        parts.append(f"<h3>{_e(flag.student)}: {_e(flag.notebook)}/{_e(flag.answer)}</h3>"
                     f"<p class='muted'>{_e(flag.reason)}</p>"
                     f"<details><summary>the code</summary>{_code(flag.mine, frozenset())}</details>")
    return "".join(parts) or "<p>Nothing flagged.</p>"


def report_page(assignment: str, summary: GradingSummary, tables: dict[str, pd.DataFrame],
                figures: dict[str, bytes]) -> str:
    """The whole page, figures inline (one file to mail or open anywhere)."""
    flags = [flag for result in summary.results for flag in result.flags]
    figure = {name: img_tag(figures[name], title) for name, title in FIGURES.items() if name in figures}
    return "\n".join([
        f"<!doctype html><meta charset='utf-8'><title>Coding screen grades: {_e(assignment)}</title>",
        f"<style>{_STYLE}</style>",
        f"<h1>Coding screen grades: {_e(assignment)}</h1>",
        _lead(summary),
        "<h2>Scores per notebook</h2>", figure.get("scores", ""),
        "<h2>Which behaviours candidates miss</h2>", _items(tables["cells"]), figure.get("items", ""),
        "<h2>Candidates</h2>", figure.get("candidates", ""), _candidates(tables["grades"], summary),
        figure.get("answers", ""),
        "<h2>Could not be graded</h2>", _ungraded(summary),
        f"<h2>Flags for review ({sum(len(flag_lines(r.flags)) for r in summary.results)})</h2>",
        "<p class='muted'>Answers much alike the reference solution or another candidate's, and code "
        "that reaches for the test machinery. For a person to look at: a flag never changes a score.</p>",
        _review(flags),
        "<p class='muted'><code>total</code> and <code>max</code> are autograded points. The written "
        "answer of <code>debug_classifier</code> (<code>explain_bugs</code>) is graded by hand in "
        "nbgrader's formgrader: <code>written</code> says <code>pending</code> until then.</p>",
    ])
