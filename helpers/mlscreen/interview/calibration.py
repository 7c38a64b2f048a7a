"""Interviewer calibration: how each interviewer rates, and how far the panel agrees.

The ratings are the rubric levels of submitted scorecards (as last submitted), one per
*item*: a candidate, a stage and a rubric category. From them:

- per interviewer, the distribution of the levels they gave, and their leniency: the mean
  of (their level - the median level of everyone who rated the same item), over the items
  someone else rated too;
- across the panel, Krippendorff's alpha at the ordinal level over the whole 1-4 scale
  (`krippendorff.alpha(level_of_measurement="ordinal", value_domain=LEVELS)`), and for
  each pair of interviewers the quadratic weighted kappa on the items both rated
  (`sklearn.metrics.cohen_kappa_score(weights="quadratic", labels=LEVELS)`);
- for each statistic a bootstrap interval, resampling candidates (a candidate's items are
  not independent of each other), and a warning when it is below `WARN_BELOW` or when fewer
  than `MIN_SHARED_CANDIDATES` candidates are shared, in which case it is not computed.
"""

from __future__ import annotations

import statistics
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ..bank import LEVELS
from .scorecard import Scorecard

MIN_SHARED_CANDIDATES = 5
"""Below this many candidates rated in common, an agreement statistic says nothing."""
WARN_BELOW = 0.6
"""Agreement below this is too low to trust a single interviewer's levels."""
REPLICATES = 500
CONFIDENCE = 0.95

Item = tuple[str, str, str]
"""(candidate, stage, category)."""


@dataclass(frozen=True)
class Rating:
    """One rubric level one interviewer gave one candidate in one stage's category."""

    candidate: str
    stage: str
    category: str
    interviewer: str
    level: int

    @property
    def item(self) -> Item:
        return (self.candidate, self.stage, self.category)


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval and the number of resamples it rests on."""

    low: float
    high: float
    replicates: int


@dataclass(frozen=True)
class Agreement:
    """An agreement statistic over some interviewers (all of them, or a pair)."""

    name: str
    raters: tuple[str, ...]
    value: float | None
    interval: Interval | None
    candidates: int
    """Candidates rated by at least two of `raters` (a pair: by both)."""
    items: int
    warning: str | None


@dataclass(frozen=True)
class RaterSummary:
    """How one interviewer rates."""

    interviewer: str
    counts: dict[int, int]
    """How many times they gave each level (every level of the scale, zeros included)."""
    leniency: float | None
    """Mean offset from the panel median, over `compared` items (None if none)."""
    compared: int

    @property
    def ratings(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Calibration:
    """Everything the calibration report shows."""

    raters: tuple[RaterSummary, ...]
    alpha: Agreement
    kappas: tuple[Agreement, ...]
    ratings: int

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(a.warning for a in (self.alpha, *self.kappas) if a.warning)


def ratings_of(cards: Iterable[Scorecard]) -> list[Rating]:
    """The levels of every submitted card, as last submitted (an open amendment not yet)."""
    ratings = []
    for card in cards:
        if not card.submitted:
            continue
        levels = card.submissions[-1].content["levels"]
        ratings += [
            Rating(card.candidate, card.stage_id, category, card.interviewer, int(level))
            for category, level in sorted(levels.items())
        ]
    return ratings


def calibrate(
    ratings: Sequence[Rating],
    *,
    replicates: int = REPLICATES,
    seed: int = 0,
    min_shared: int = MIN_SHARED_CANDIDATES,
) -> Calibration:
    """Distributions, leniency, alpha and pairwise kappa (with intervals) of these ratings."""
    table = _table(ratings)
    raters = tuple(sorted({r.interviewer for r in ratings}))
    summaries = tuple(_summary(who, ratings, table) for who in raters)
    alpha = _agreement(
        "Krippendorff's alpha (ordinal)", raters, table, _alpha, replicates, seed, min_shared
    )
    kappas = tuple(
        _agreement("weighted kappa (quadratic)", pair, table, _kappa, replicates, seed, min_shared)
        for pair in combinations(raters, 2)
    )
    return Calibration(summaries, alpha, kappas, len(ratings))


# --- the statistics ---------------------------------------------------------------------

Table = dict[Item, dict[str, int]]
"""Item -> interviewer -> level."""


def _table(ratings: Sequence[Rating]) -> Table:
    table: Table = defaultdict(dict)
    for r in ratings:
        if r.level not in LEVELS:
            raise ValueError(f"level {r.level!r} of {r} is not one of {LEVELS}")
        if r.interviewer in table[r.item]:
            raise ValueError(f"{r.interviewer} rated {r.item} twice")
        table[r.item][r.interviewer] = r.level
    return dict(table)


def _summary(who: str, ratings: Sequence[Rating], table: Table) -> RaterSummary:
    given = Counter(r.level for r in ratings if r.interviewer == who)
    offsets = [
        levels[who] - statistics.median(levels.values())
        for levels in table.values()
        if who in levels and len(levels) >= 2
    ]
    leniency = sum(offsets) / len(offsets) if offsets else None
    return RaterSummary(who, {level: given[level] for level in LEVELS}, leniency, len(offsets))


def _alpha(items: list[dict[str, int]], raters: tuple[str, ...]) -> float:
    import krippendorff

    data = np.array(
        [[levels.get(who, np.nan) for levels in items] for who in raters], dtype=float
    )
    return float(
        krippendorff.alpha(
            reliability_data=data, level_of_measurement="ordinal", value_domain=list(LEVELS)
        )
    )


def _kappa(items: list[dict[str, int]], raters: tuple[str, ...]) -> float:
    from sklearn.metrics import cohen_kappa_score

    first, second = raters
    return float(
        cohen_kappa_score(
            [levels[first] for levels in items],
            [levels[second] for levels in items],
            weights="quadratic",
            labels=list(LEVELS),
        )
    )


Statistic = Callable[[list[dict[str, int]], tuple[str, ...]], float]


def _agreement(
    name: str,
    raters: tuple[str, ...],
    table: Table,
    statistic: Statistic,
    replicates: int,
    seed: int,
    min_shared: int,
) -> Agreement:
    """The statistic on the items at least two of `raters` rated (a pair: both), resampled."""
    need = 2 if len(raters) > 2 else len(raters)
    by_candidate: dict[str, list[dict[str, int]]] = defaultdict(list)
    for (candidate, _, _), levels in sorted(table.items()):
        mine = {who: level for who, level in levels.items() if who in raters}
        if len(mine) >= need and len(raters) >= 2:
            by_candidate[candidate].append(mine)
    candidates = sorted(by_candidate)
    items = [levels for c in candidates for levels in by_candidate[c]]
    label = " & ".join(raters) if len(raters) == 2 else "the panel"
    if len(candidates) < min_shared:
        warning = (
            f"{label}: {name} not computed: only {len(candidates)} candidate"
            f"{'s' * (len(candidates) != 1)} rated in common (needs {min_shared}), too few to "
            "say anything"
        )
        return Agreement(name, raters, None, None, len(candidates), len(items), warning)
    value = _quiet(statistic, items, raters)
    interval = _bootstrap(by_candidate, candidates, raters, statistic, replicates, seed)
    warning = None
    if value is None:
        warning = f"{label}: {name} is undefined (every level the same): nothing to compare"
    elif value < WARN_BELOW:
        warning = (
            f"{label}: {name} is {value:.2f}, below {WARN_BELOW}: these levels do not agree "
            "well enough to stand alone; calibrate on shared examples"
        )
    return Agreement(name, raters, value, interval, len(candidates), len(items), warning)


def _bootstrap(
    by_candidate: dict[str, list[dict[str, int]]],
    candidates: list[str],
    raters: tuple[str, ...],
    statistic: Statistic,
    replicates: int,
    seed: int,
) -> Interval | None:
    """Percentile interval over resamples of the candidates (undefined resamples dropped)."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(replicates):
        picked = rng.choice(len(candidates), size=len(candidates), replace=True)
        items = [levels for i in picked for levels in by_candidate[candidates[i]]]
        value = _quiet(statistic, items, raters)
        if value is not None:
            values.append(value)
    if not values:
        return None
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return Interval(float(low), float(high), len(values))


def _quiet(statistic: Statistic, items: list[dict[str, int]], raters: tuple[str, ...]):
    """The statistic, or None where it is undefined (no variation to compare)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = statistic(items, raters)
        except ValueError:
            return None
    return None if np.isnan(value) else value
