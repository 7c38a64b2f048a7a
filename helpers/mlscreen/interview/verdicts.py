"""What a rubric total means: a stage's verdict, the overall decision, and the thresholds rule."""

from __future__ import annotations

from enum import StrEnum

from ..bank import Rubric


class Verdict(StrEnum):
    """The result of one stage's rubric total against the rubric's thresholds."""

    NOT_SCORED = "not scored"
    CLEAR_FAIL = "clear fail"
    FAIL = "fail"
    PASS = "pass"
    STRONG_PASS = "strong pass"

    @property
    def passed(self) -> bool | None:
        """True for a pass, False for a fail, None while not scored."""
        if self is Verdict.NOT_SCORED:
            return None
        return self in (Verdict.PASS, Verdict.STRONG_PASS)


class Decision(StrEnum):
    """The overall hiring recommendation for a candidate."""

    PENDING = "pending"
    STRONG_NO = "strong no"
    NO = "no"
    YES = "yes"
    STRONG_YES = "strong yes"


def verdict_for(rubric: Rubric, total: float | None) -> Verdict:
    """Where a rubric total falls: clear fail, fail, pass or strong pass (None: not scored)."""
    if total is None:
        return Verdict.NOT_SCORED
    if total < rubric.weak_below:
        return Verdict.CLEAR_FAIL
    if total < rubric.pass_at:
        return Verdict.FAIL
    if total < rubric.strong_at:
        return Verdict.PASS
    return Verdict.STRONG_PASS
