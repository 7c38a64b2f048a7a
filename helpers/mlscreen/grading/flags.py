"""Flags for a person to review: answers alike the reference solution or another candidate's,
and code that reaches for the test machinery. A flag never changes a score.

Every answer name is compared, candidate by candidate, with the source notebook's solution and
with every other candidate's answer to it (`similarity`); every cell a candidate wrote is read
for machinery (`machinery`). The code comes from `submitted/`, as the candidates handed it in.
"""

from __future__ import annotations

import ast
import itertools
import logging
from dataclasses import dataclass

from ..course.layout import NOTEBOOKS, Course
from .machinery import machinery_uses
from .similarity import Tokens, compare, could_match, normalise, without_stub
from .submitted_code import WrittenCell, reference_answers, stub_answers, written_cells

_log = logging.getLogger(__name__)
REFERENCE = "the reference solution"
ALIKE, MACHINERY = "alike", "machinery"


@dataclass(frozen=True)
class Flag:
    """One thing to review about one candidate's answer. For `alike`, `other` is the other
    candidate (or REFERENCE), `share` the part of the shorter answer found in the other, and the
    two snippets with the lines they share; for `machinery`, `reason` says what the code does."""

    student: str
    notebook: str
    answer: str
    kind: str
    reason: str
    other: str = ""
    share: float = 0.0
    mine: str = ""
    theirs: str = ""
    mine_lines: frozenset[int] = frozenset()
    theirs_lines: frozenset[int] = frozenset()

    @property
    def text(self) -> str:
        return f"{self.notebook}/{self.answer}: {self.reason}"


def _kept_names(stub: str) -> frozenset[str]:
    """The names the stub defines (answer, class and method names): the contract fixes them."""
    try:
        tree = ast.parse(stub)
    except SyntaxError:
        return frozenset()
    return frozenset(node.name for node in ast.walk(tree)
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))


def _who(other: str) -> str:
    return REFERENCE if other == REFERENCE else f"{other}'s answer"


def _alike_reason(other: str, share: float, shared: int) -> str:
    return f"{share:.0%} alike {_who(other)} ({shared} tokens in common after renaming)"


def _alike_flags(course: Course, code: dict[str, dict[tuple[str, str], str]]) -> list[Flag]:
    references, stubs = reference_answers(course), stub_answers(course)
    flags = []
    for key, stub_code in stubs.items():
        keep = _kept_names(stub_code)
        stub = normalise(stub_code, keep)
        snippets = {who: answers[key] for who, answers in sorted(code.items()) if key in answers}
        tokens: dict[str, Tokens] = {who: without_stub(normalise(text, keep), stub) for who, text in snippets.items()}
        reference = without_stub(normalise(references[key], keep), stub) if key in references else None
        pairs = [(who, REFERENCE) for who in tokens if reference is not None]
        pairs += list(itertools.combinations(tokens, 2))
        for who, other in pairs:
            mine, theirs = tokens[who], reference if other == REFERENCE else tokens[other]
            if theirs is None or not could_match(mine, theirs):
                continue
            match = compare(mine, theirs)
            if not match.flagged:
                continue
            their_code = references[key] if other == REFERENCE else snippets[other]
            notebook, answer = key
            flags.append(Flag(who, notebook, answer, ALIKE, _alike_reason(other, match.share, match.shared),
                              other, match.share, snippets[who], their_code, match.lines_a, match.lines_b))
            if other != REFERENCE:
                flags.append(Flag(other, notebook, answer, ALIKE, _alike_reason(who, match.share, match.shared),
                                  who, match.share, snippets[other], snippets[who], match.lines_b, match.lines_a))
    return flags


def _machinery_flag(student: str, cell: WrittenCell) -> Flag | None:
    reasons = machinery_uses(cell.source)
    if not reasons:
        return None
    shown = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
    where = "in a cell added after it, " if cell.added else ""
    return Flag(student, cell.notebook, cell.answer, MACHINERY, f"{where}code that {shown}", mine=cell.source)


def flags_for(course: Course, cells: dict[str, list[WrittenCell]]) -> dict[str, list[Flag]]:
    """Every flag of every candidate, from the cells each wrote (see `written_cells`)."""
    code: dict[str, dict[tuple[str, str], str]] = {}
    flags: dict[str, list[Flag]] = {student: [] for student in cells}
    for student, written in cells.items():
        for cell in written:
            if not cell.added:
                code.setdefault(student, {})[(cell.notebook, cell.answer)] = cell.source
            if flag := _machinery_flag(student, cell):
                flags[student].append(flag)
    for flag in _alike_flags(course, code):
        flags[flag.student].append(flag)
    return {student: sorted(found, key=lambda f: (NOTEBOOKS.index(f.notebook), f.answer, f.kind, f.other))
            for student, found in flags.items()}


def cohort_flags(course: Course, students: list[str]) -> dict[str, list[Flag]]:
    """Every flag of every candidate in `students`, compared with each other and the reference,
    from their notebooks in `submitted/` (a missing or unreadable notebook is left out)."""
    return flags_for(course, {
        student: [cell for name in NOTEBOOKS
                  for cell in written_cells(course.notebook(course.submitted(student), name))]
        for student in students
    })


def add_flags(course: Course, summary, students: list[str]) -> None:
    """Put on each result of `summary` its flags, comparing it with every one of `students`.
    Flags are an aid: if they cannot be worked out, the batch's grades stand and a warning says so."""
    _log.info(f"comparing answers with the reference solution and between {len(students)} candidate(s) ...")
    try:
        found = cohort_flags(course, students)
    except Exception as error:  # noqa: BLE001 - never lose a graded batch to its flags
        _log.warning(f"copied-answer flags could not be worked out ({type(error).__name__}: {error})")
        return
    for result in summary.results:
        result.flags = found.get(result.student, [])


def review_pairs(flags: list[Flag]) -> list[Flag]:
    """Each alike pair once (for showing side by side), strongest first."""
    seen, pairs = set(), []
    for flag in sorted((f for f in flags if f.kind == ALIKE), key=lambda f: -f.share):
        key = (flag.notebook, flag.answer, frozenset((flag.student, flag.other)))
        if key not in seen:
            seen.add(key)
            pairs.append(flag)
    return pairs


def flag_lines(flags: list[Flag]) -> list[str]:
    """One line per answer with alike flags (the others named, strongest first) and one per
    machinery flag: what the summary and `grades.csv` say."""
    lines, alike = [], {}
    for flag in flags:
        if flag.kind == ALIKE:
            alike.setdefault((flag.notebook, flag.answer), []).append(flag)
        else:
            lines.append(flag.text)
    for (notebook, answer), group in alike.items():
        group.sort(key=lambda f: (-f.share, f.other))
        named = ", ".join(f"{_who(f.other)} ({f.share:.0%})" for f in group[:3])
        more = f" and {len(group) - 3} more" if len(group) > 3 else ""
        lines.append(f"{notebook}/{answer}: alike {named}{more}; see the two side by side in the report")
    return lines
