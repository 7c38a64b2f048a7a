"""What a candidate's one-page scorecard says, for one viewer, as plain text lines.

The Markdown and HTML pages (`pages`) and the CSV (`export`) format these; nothing here
knows a markup. What is shown follows `blind` (the viewer's cards only) and `naming`
(the candidate's id alone in anonymous mode, roster names taken out of notes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..bank import Bank
from ..course.layout import Course
from .blind import DEBRIEF, visible_cards
from .naming import CandidateNames
from .panel import StagePanel
from .recommendation import Recommendation, recommend
from .scorecard import Scorecard
from .store import ScorecardStore
from .submission import changes

NOTE_LIMIT = 400


@dataclass(frozen=True)
class CandidateSummary:
    """Everything the one-page scorecard shows about one candidate, to one viewer."""

    candidate: str
    label: str
    viewer: str | None
    cards: tuple[Scorecard, ...]
    recommendation: Recommendation
    autograded: str
    waiting: tuple[tuple[str, str], ...]
    names: CandidateNames

    @property
    def panels(self) -> tuple[StagePanel, ...]:
        """The stages two or more interviewers scored, side by side."""
        return tuple(r.panel for r in self.recommendation.stages if len(r.panel.interviewers) > 1)

    @property
    def viewer_text(self) -> str:
        if self.viewer is DEBRIEF:
            return "the debrief (every submitted card of every fully submitted stage)"
        return f"{self.viewer} (other interviewers' cards only for stages {self.viewer} submitted)"


def candidate_summary(
    store: ScorecardStore, candidate: str, viewer: str | None = DEBRIEF
) -> CandidateSummary:
    """Gather what `viewer` may see of a candidate: cards, recommendation, coding score."""
    shown = visible_cards(store, candidate, viewer)
    names = store.names
    return CandidateSummary(
        candidate=candidate,
        label=names.label(candidate),
        viewer=viewer,
        cards=shown.cards,
        recommendation=recommend(candidate, shown.cards, store.bank),
        autograded=autograded_line(store.course, candidate),
        waiting=shown.waiting,
        names=names,
    )


def card_status(card: Scorecard) -> str:
    """`draft`, `submitted <time>`, `amended <n>x` (+ under amendment, + an integrity problem)."""
    if not card.submitted:
        status = "draft"
    else:
        status = f"submitted {stamp(card.submitted_at)}"
        amendments = len(card.submissions) - 1
        if amendments:
            status += f", amended {amendments}x (last {stamp(card.submissions[-1].at)})"
        if card.amending is not None:
            status += f", amendment under way ({card.amending})"
    if card.integrity:
        status += f", NOT AS SUBMITTED: {card.integrity}"
    return status


def card_cells(card: Scorecard) -> list[str]:
    """The card's row of the page's table."""
    total = card.total if card.total is not None else f"({card.partial_total})"
    coverage = f"{card.coverage:.0%} ({card.points_ticked}/{card.points_expected} points)"
    return [
        card.stage.name,
        card.interviewer,
        f"{total}/{card.max_total}",
        str(card.verdict),
        coverage,
        str(len(card.red_flags)),
        f"{card.elapsed_seconds / 60:.0f} min",
        card_status(card),
    ]


CARD_HEADERS = (
    "Stage", "Interviewer", "Score", "Result", "Coverage", "Red flags", "Time", "Status",
)


def card_details(card: Scorecard, names: CandidateNames) -> list[str]:
    """The card's section of the page: levels, questions, flags, notes and its submissions."""
    levels = []
    for category in card.rubric.categories:
        level = card.level(category.id)
        text = "–" if level is None else f"{level} ({category.level(level).label})"
        levels.append(f"{category.name}: {text}")
    details = ["Rubric: " + "; ".join(levels)]
    asked = [q.prompt for q in card.stage.questions if q.id in card.asked]
    if asked:
        details.append(f"Asked ({len(asked)}): " + " / ".join(shorten(p, 90) for p in asked))
    details += [f"Red flag: {flag.text}" for flag in card.red_flags]
    if card.followups_asked:
        details.append(f"Follow-ups asked: {len(card.followups_asked)}")
    if card.notes.strip():
        details.append("Notes: " + shorten(names.redact(card.notes, card.candidate), NOTE_LIMIT))
    details += submission_lines(card)
    return details


def submission_lines(card: Scorecard) -> list[str]:
    """The submission and each amendment, with its time, reason, hash and what it changed."""
    lines = []
    log = card.submissions
    for i, entry in enumerate(log):
        if not entry.is_amendment:
            lines.append(f"Submitted {stamp(entry.at)} (content hash {entry.hash[:12]})")
            continue
        changed = "; ".join(changes(log[i - 1].content, entry.content)) or "no change"
        lines.append(
            f"Amended {stamp(entry.at)} (content hash {entry.hash[:12]}), reason: {entry.reason}."
            f" Changed: {changed}"
        )
    if card.integrity:
        lines.append(f"WARNING: {card.integrity}")
    return lines


def panel_rows(panel: StagePanel) -> tuple[list[str], list[list[str]]]:
    """A stage's side-by-side table: a row per category, a column per interviewer, the median."""
    header = ["Category", *panel.interviewers, "Median", "Debrief"]
    rows = []
    for category in panel.categories:
        levels = [str(category.level_of(who) or "–") for who in panel.interviewers]
        median = "–" if category.median is None else f"{category.median:g}"
        flag = f"differ by {category.spread}" if category.flagged else ""
        rows.append([category.name, *levels, median, flag])
    total = "–" if panel.total is None else f"{panel.total:g}/{panel.max_total}"
    rows.append(["Total of medians", *[""] * len(panel.interviewers), total, str(panel.verdict)])
    return header, rows


def profiles_text(rec: Recommendation, bank: Bank) -> str:
    names = []
    for profile_id in rec.profiles:
        try:
            profile = bank.profile(profile_id)
            names.append(f"{profile.name} ({profile.focus})")
        except KeyError:
            names.append(profile_id)
    return ", ".join(names) or "none chosen"


def autograded_line(course: Course, candidate: str) -> str:
    if not course.has_gradebook:
        return "not graded yet"
    from ..course.gradebook import notebook_scores, notebook_totals

    try:
        scores = notebook_scores(course, candidate)
    except Exception as err:  # the page is still useful without the gradebook
        return f"unavailable ({type(err).__name__}: {err})"
    if not scores:
        return "not graded yet"
    parts = [f"{s.notebook} {s.score:g}/{s.max_score:g}" for s in scores]
    total, maximum, manual = notebook_totals(scores)
    pending = " (manual grading pending)" if manual else ""
    return f"{total:g}/{maximum:g}{pending}: " + ", ".join(parts)


def shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def stamp(value: float | None) -> str:
    """A clock time for people (local time, to the second)."""
    return "-" if value is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))
