"""A candidate's overall recommendation, combined from every interviewer's scorecards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..bank import Bank
from .panel import StagePanel, describe_flag, stage_panel
from .scorecard import Scorecard
from .verdicts import Decision, Verdict

THIN_COVERAGE = 0.5
"""Below this share of expected points heard (see `Scorecard.coverage`), evidence is thin."""


@dataclass(frozen=True)
class StageResult:
    """One stage of a candidate's panel, over all interviewers who scored it."""

    stage: str
    name: str
    interviewers: tuple[str, ...]
    total: float | None
    max_total: int
    pass_at: int
    verdict: Verdict
    coverage: float | None
    elapsed_seconds: float
    red_flags: tuple[str, ...]
    core: bool
    panel: StagePanel
    """Per category the interviewers' levels and median, and the categories flagged."""


@dataclass(frozen=True)
class Recommendation:
    """A candidate's overall recommendation, why, and each stage's result."""

    candidate: str
    decision: Decision
    reasons: tuple[str, ...]
    provisional: bool
    profiles: tuple[str, ...]
    stages: tuple[StageResult, ...]


def recommend(candidate: str, cards: Sequence[Scorecard], bank: Bank) -> Recommendation:
    """Combine a candidate's scorecards into one recommendation.

    A stage counts once scored (every rubric category has a level); when several
    interviewers scored it, its total is the sum of the per-category medians of their
    levels (see `panel`), judged by the rubric's thresholds like one card's total. The panel
    and its core stages come from the role profile on the cards (the union, if cards name
    different profiles).

    - pending: no stage is scored yet;
    - strong no: a core stage fails clearly (total below the rubric's `weak_below`), or
      two or more core stages fail;
    - no: any scored stage fails (total below `pass_at`);
    - strong yes: every stage of the panel is scored and passes, every core stage passes
      with a margin (total at or above `strong_at`), and no red flag was ticked;
    - yes: every scored stage passes otherwise.

    It is provisional while a stage of the panel is unscored. The reasons give the deciding
    facts first, then each stage's result, red flags, interviewers who disagree (on the
    verdict, or by `DISAGREEMENT_LEVELS` or more on a category: for the debrief) and thin
    evidence (under `THIN_COVERAGE` of the expected points heard); thin evidence is a
    caution and changes no decision.
    """
    profiles = tuple(sorted({c.profile_id for c in cards}))
    known = [bank.profile(p) for p in profiles if p in {q.id for q in bank.profiles}]
    panel = {s for p in known for s in p.stages} | {c.stage_id for c in cards}
    core = {s for p in known for s in p.core_stages}
    results = tuple(
        _stage_result(stage.id, [c for c in cards if c.stage_id == stage.id], bank, core)
        for stage in bank.stages
        if stage.id in panel
    )
    decision, deciding = _decide(results)
    reasons = list(deciding)
    if len(profiles) > 1:
        reasons.append(f"scorecards name different role profiles: {', '.join(profiles)}")
    reasons += [_describe(r) for r in results]
    for result in results:
        reasons += [f"red flag in {result.name}: {flag}" for flag in result.red_flags]
        thin = result.coverage is not None and result.coverage < THIN_COVERAGE
        if thin and result.verdict is not Verdict.NOT_SCORED:
            share = f"{result.coverage:.0%}"
            reasons.append(f"thin evidence in {result.name}: {share} of expected points heard")
    reasons += _disagreements(cards, bank)
    for result in results:
        reasons += [f"debrief: {result.name}: {describe_flag(c)}" for c in result.panel.flagged]
    unscored = [r for r in results if r.verdict is Verdict.NOT_SCORED]
    return Recommendation(
        candidate=candidate,
        decision=decision,
        reasons=tuple(reasons),
        provisional=bool(unscored),
        profiles=profiles,
        stages=results,
    )


def _stage_result(
    stage_id: str, cards: list[Scorecard], bank: Bank, core_stages: set[str]
) -> StageResult:
    panel = stage_panel(stage_id, cards, bank)
    return StageResult(
        stage=stage_id,
        name=panel.name,
        interviewers=tuple(c.interviewer for c in cards),
        total=panel.total,
        max_total=panel.max_total,
        pass_at=panel.pass_at,
        verdict=panel.verdict,
        coverage=_mean_coverage(cards),
        elapsed_seconds=max((c.elapsed_seconds for c in cards), default=0.0),
        red_flags=tuple(dict.fromkeys(f.text for c in cards for f in c.red_flags)),
        core=stage_id in core_stages,
        panel=panel,
    )


def _mean_coverage(cards: list[Scorecard]) -> float | None:
    """Mean coverage of the cards that asked something (of all cards if none did)."""
    asking = [c for c in cards if c.asked] or cards
    return sum(c.coverage for c in asking) / len(asking) if asking else None


def _decide(results: Iterable[StageResult]) -> tuple[Decision, list[str]]:
    results = list(results)
    scored = [r for r in results if r.verdict is not Verdict.NOT_SCORED]
    if not scored:
        return Decision.PENDING, ["no stage is scored yet"]
    core_failed = [r for r in scored if r.core and not r.verdict.passed]
    clear = [r for r in core_failed if r.verdict is Verdict.CLEAR_FAIL]
    if clear:
        return Decision.STRONG_NO, [f"core stage {r.name} fails clearly" for r in clear]
    if len(core_failed) >= 2:
        return Decision.STRONG_NO, [f"core stages fail: {', '.join(r.name for r in core_failed)}"]
    failed = [r for r in scored if not r.verdict.passed]
    if failed:
        return Decision.NO, [f"{r.name} fails" for r in failed]
    missing = [r.name for r in results if r.verdict is Verdict.NOT_SCORED]
    flags = any(r.red_flags for r in results)
    weak_core = [r.name for r in scored if r.core and r.verdict is Verdict.PASS]
    if not missing and not flags and not weak_core:
        return Decision.STRONG_YES, ["every stage passes and every core stage passes with a margin"]
    why = ["every scored stage passes"]
    if missing:
        why.append(f"not scored yet: {', '.join(missing)}")
    if weak_core:
        why.append(f"no margin in core stage(s): {', '.join(weak_core)}")
    if flags:
        why.append("red flags were raised")
    return Decision.YES, why


def _describe(result: StageResult) -> str:
    if result.total is None:
        return f"{result.name}: not scored"
    core = " (core)" if result.core else ""
    return (
        f"{result.name}{core}: {result.total:g}/{result.max_total}, {result.verdict} "
        f"(pass at {result.pass_at})"
    )


def _disagreements(cards: Sequence[Scorecard], bank: Bank) -> list[str]:
    reasons = []
    for stage in bank.stages:
        scored = [c for c in cards if c.stage_id == stage.id and c.is_scored]
        verdicts = {c.interviewer: c.verdict for c in scored}
        if len({v.passed for v in verdicts.values()}) > 1:
            detail = ", ".join(f"{who}: {v}" for who, v in sorted(verdicts.items()))
            reasons.append(f"interviewers disagree on {stage.name} ({detail})")
    return reasons
