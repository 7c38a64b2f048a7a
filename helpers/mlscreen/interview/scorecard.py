"""Interviewer scorecards: the model, its scoring and its persistence.

A scorecard is one interviewer's record of one stage with one candidate: the expected
points and red flags ticked, the follow-ups asked, the rubric levels, notes and the time
spent. It lives in `scorecards/<candidate>/<stage>-<interviewer>.json` and every change is
written to disk (atomically) before the changing method returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..bank import LEVELS, Bank, ExpectedPoint, Question, Rubric, Stage, load_bank
from ..course.layout import Course

if TYPE_CHECKING:
    from .recommendation import Recommendation

SCHEMA = 1

_SAFE_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_-])?$")

Clock = Callable[[], float]
Listener = Callable[["Scorecard"], None]


class CorruptScorecardWarning(UserWarning):
    """A scorecard file could not be read and was set aside (never overwritten)."""


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


def validate_id(value: object, what: str = "id") -> str:
    """`value` if it is safe as a file name (letters, digits, `_ . -`); ValueError otherwise."""
    if not isinstance(value, str) or not _SAFE_ID.match(value):
        raise ValueError(
            f"invalid {what} {value!r}: use 1 to 64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit and not ending with '.'"
        )
    return value


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


# --- the model --------------------------------------------------------------------------


class _FormatError(ValueError):
    """A scorecard file's content does not have the expected shape."""


@dataclass
class _State:
    candidate: str
    stage: str
    interviewer: str
    profile: str
    asked: set[str] = field(default_factory=set)
    ticked: set[str] = field(default_factory=set)
    followups: set[str] = field(default_factory=set)
    levels: dict[str, int] = field(default_factory=dict)
    notes: str = ""
    question_notes: dict[str, str] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    timer_started_at: float | None = None
    updated_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "candidate": self.candidate,
            "stage": self.stage,
            "interviewer": self.interviewer,
            "profile": self.profile,
            "asked": sorted(self.asked),
            "ticked": sorted(self.ticked),
            "followups": sorted(self.followups),
            "levels": dict(sorted(self.levels.items())),
            "notes": self.notes,
            "question_notes": dict(sorted(self.question_notes.items())),
            "elapsed_seconds": self.elapsed_seconds,
            "timer_started_at": self.timer_started_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_dict(cls, data: Any) -> _State:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise _FormatError(f"not a scorecard of schema {SCHEMA}")
        try:
            state = cls(
                candidate=_str(data["candidate"]),
                stage=_str(data["stage"]),
                interviewer=_str(data["interviewer"]),
                profile=_str(data["profile"]),
                asked=set(_str_list(data["asked"])),
                ticked=set(_str_list(data["ticked"])),
                followups=set(_str_list(data["followups"])),
                levels=_levels(data["levels"]),
                notes=_str(data["notes"]),
                question_notes=_str_dict(data["question_notes"]),
                elapsed_seconds=_number(data["elapsed_seconds"]),
                timer_started_at=_optional_number(data["timer_started_at"]),
                updated_at=_optional_number(data["updated_at"]),
            )
        except KeyError as err:
            raise _FormatError(f"missing field {err}") from None
        if state.elapsed_seconds < 0:
            raise _FormatError("negative elapsed_seconds")
        return state


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _FormatError(f"expected text, got {value!r}")
    return value


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _FormatError(f"expected a list, got {value!r}")
    return [_str(v) for v in value]


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _FormatError(f"expected a mapping, got {value!r}")
    return {_str(k): _str(v) for k, v in value.items()}


def _levels(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise _FormatError(f"expected a mapping of levels, got {value!r}")
    for level in value.values():
        if isinstance(level, bool) or level not in LEVELS:
            raise _FormatError(f"rubric level {level!r} is not one of {LEVELS}")
    return {_str(k): int(v) for k, v in value.items()}


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _FormatError(f"expected a number, got {value!r}")
    return float(value)


def _optional_number(value: Any) -> float | None:
    return None if value is None else _number(value)


class Scorecard:
    """One interviewer's scorecard for one candidate and stage; every change is saved.

    Get one from `ScorecardStore.open`. Ids not in the bank any more (a question removed)
    are kept on disk but ignored by the scores.
    """

    def __init__(
        self,
        state: _State,
        *,
        bank: Bank,
        path: Path,
        clock: Clock,
        recovered_from: Path | None = None,
    ) -> None:
        self._state = state
        self._bank = bank
        self._clock = clock
        self._listeners: list[Listener] = []
        self.path = path
        self.recovered_from = recovered_from
        """Where an unreadable earlier file was set aside when this card was opened, if any."""

    # identity ---------------------------------------------------------------------------
    @property
    def candidate(self) -> str:
        return self._state.candidate

    @property
    def stage_id(self) -> str:
        return self._state.stage

    @property
    def interviewer(self) -> str:
        return self._state.interviewer

    @property
    def profile_id(self) -> str:
        return self._state.profile

    @property
    def stage(self) -> Stage:
        """The bank's `Stage` this card scores."""
        return self._bank.stage(self.stage_id)

    @property
    def rubric(self) -> Rubric:
        return self._bank.rubric_for(self.stage_id)

    @property
    def bank(self) -> Bank:
        return self._bank

    # reading the state --------------------------------------------------------------------
    @property
    def asked(self) -> frozenset[str]:
        """Ids of the questions marked as asked."""
        return frozenset(self._state.asked)

    @property
    def ticked(self) -> frozenset[str]:
        """Ids of the expected points and red flags ticked."""
        return frozenset(self._state.ticked)

    @property
    def followups_asked(self) -> frozenset[str]:
        return frozenset(self._state.followups)

    @property
    def levels(self) -> dict[str, int]:
        """Rubric level per category id (categories not scored yet are absent)."""
        return dict(self._state.levels)

    @property
    def notes(self) -> str:
        return self._state.notes

    @property
    def question_notes(self) -> dict[str, str]:
        return dict(self._state.question_notes)

    @property
    def updated_at(self) -> float | None:
        """Clock time of the last save."""
        return self._state.updated_at

    def is_ticked(self, point_id: str) -> bool:
        return point_id in self._state.ticked

    def level(self, category_id: str) -> int | None:
        return self._state.levels.get(category_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready content of the card, as saved."""
        return self._state.to_dict()

    # changing the state (each saves) ------------------------------------------------------
    def mark_asked(self, question_id: str, asked: bool = True) -> None:
        """Mark a question of this stage as asked (or not).

        Ticking one of its points or asking one of its follow-ups marks it too.
        """
        self._check_in_stage(self._bank.question, question_id, "question")
        self._save_if(_set_member(self._state.asked, question_id, asked))

    def tick(self, point_id: str, ticked: bool = True) -> None:
        """Tick (or untick) an expected point or red flag of this stage."""
        question = self._check_in_stage(self._bank.point, point_id, "point")
        changed = _set_member(self._state.ticked, point_id, ticked)
        self._save_if(changed | (ticked and _set_member(self._state.asked, question, True)))

    def ask_followup(self, followup_id: str, asked: bool = True) -> None:
        """Mark a follow-up probe of this stage as asked (or not)."""
        question = self._check_in_stage(self._bank.followup, followup_id, "follow-up")
        changed = _set_member(self._state.followups, followup_id, asked)
        self._save_if(changed | (asked and _set_member(self._state.asked, question, True)))

    def set_level(self, category_id: str, level: int | None) -> None:
        """Score a rubric category 1 to 4, or clear it with None."""
        if category_id not in {c.id for c in self.rubric.categories}:
            raise ValueError(f"rubric {self.rubric.id!r} has no category {category_id!r}")
        if level is None:
            if self._state.levels.pop(category_id, None) is not None:
                self._save()
            return
        if isinstance(level, bool) or level not in LEVELS:
            raise ValueError(f"rubric level must be one of {LEVELS} or None, got {level!r}")
        if self._state.levels.get(category_id) != level:
            self._state.levels[category_id] = int(level)
            self._save()

    def set_notes(self, text: str) -> None:
        """Replace the card's general notes."""
        if text != self._state.notes:
            self._state.notes = str(text)
            self._save()

    def set_question_note(self, question_id: str, text: str) -> None:
        """Replace the notes on one question of this stage ('' removes them); marks it asked."""
        self._check_in_stage(self._bank.question, question_id, "question")
        if text:
            changed = self._state.question_notes.get(question_id) != text
            self._state.question_notes[question_id] = str(text)
            changed |= _set_member(self._state.asked, question_id, True)
        else:
            changed = self._state.question_notes.pop(question_id, None) is not None
        if changed:
            self._save()

    def set_profile(self, profile_id: str) -> None:
        """Change the role profile the candidate is screened for."""
        if profile_id not in {p.id for p in self._bank.profiles}:
            raise ValueError(f"unknown role profile {profile_id!r}")
        if profile_id != self._state.profile:
            self._state.profile = profile_id
            self._save()

    # timer ------------------------------------------------------------------------------
    @property
    def timer_running(self) -> bool:
        return self._state.timer_started_at is not None

    @property
    def elapsed_seconds(self) -> float:
        """Seconds spent on this stage, including the running stretch if the timer runs."""
        running = 0.0
        if self._state.timer_started_at is not None:
            running = max(0.0, self._clock() - self._state.timer_started_at)
        return self._state.elapsed_seconds + running

    def start_timer(self) -> None:
        """Start (or keep) timing the stage; a running timer survives reopening the card."""
        if self._state.timer_started_at is None:
            self._state.timer_started_at = self._clock()
            self._save()

    def stop_timer(self) -> None:
        """Stop timing and add the stretch since `start_timer` to the elapsed time."""
        if self._state.timer_started_at is not None:
            self._state.elapsed_seconds = self.elapsed_seconds
            self._state.timer_started_at = None
            self._save()

    # scoring ----------------------------------------------------------------------------
    @property
    def planned_questions(self) -> tuple[Question, ...]:
        """The stage's questions the role profile favours (all of them if it names none)."""
        try:
            return self._bank.planned_questions(self.profile_id, self.stage_id)
        except KeyError:
            return self.stage.questions

    @property
    def covered_questions(self) -> tuple[Question, ...]:
        """The questions coverage counts: those asked, or the planned ones before any is."""
        asked = tuple(q for q in self.stage.questions if q.id in self._state.asked)
        return asked or self.planned_questions

    def question_coverage(self, question_id: str) -> float:
        """Share of a question's expected points ticked (0 to 1)."""
        heard, expected = self.question_points(question_id)
        return heard / expected

    def question_points(self, question_id: str) -> tuple[int, int]:
        """(points ticked, points expected) of one question."""
        points = self._bank.question(question_id).points
        return sum(p.id in self._state.ticked for p in points), len(points)

    @property
    def points_expected(self) -> int:
        return sum(len(q.points) for q in self.covered_questions)

    @property
    def points_ticked(self) -> int:
        return sum(p.id in self._state.ticked for q in self.covered_questions for p in q.points)

    @property
    def coverage(self) -> float:
        """Share of the expected points of `covered_questions` ticked (0 to 1)."""
        expected = self.points_expected
        return self.points_ticked / expected if expected else 0.0

    @property
    def red_flags(self) -> tuple[ExpectedPoint, ...]:
        """The red flags ticked, in bank order."""
        ticked = self._state.ticked
        return tuple(f for q in self.stage.questions for f in q.red_flags if f.id in ticked)

    @property
    def is_scored(self) -> bool:
        """True once every category of the stage's rubric has a level."""
        return all(c.id in self._state.levels for c in self.rubric.categories)

    @property
    def categories_scored(self) -> int:
        """How many of the rubric's categories have a level."""
        return sum(c.id in self._state.levels for c in self.rubric.categories)

    @property
    def over_time(self) -> bool:
        """True once the time spent passes the stage's planned maximum."""
        return self.elapsed_seconds > self.stage.max_minutes * 60

    @property
    def partial_total(self) -> int:
        """Sum of the levels given so far."""
        return sum(self._state.levels.get(c.id, 0) for c in self.rubric.categories)

    @property
    def total(self) -> int | None:
        """The rubric total, or None until every category is scored."""
        return self.partial_total if self.is_scored else None

    @property
    def max_total(self) -> int:
        return self.rubric.max_total

    @property
    def verdict(self) -> Verdict:
        return verdict_for(self.rubric, self.total)

    @property
    def passed(self) -> bool | None:
        """True/False once scored against the rubric's pass mark, None before."""
        return self.verdict.passed

    # observers --------------------------------------------------------------------------
    def on_change(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(card)` after every saved change; returns a function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # internals --------------------------------------------------------------------------
    def _check_in_stage(self, find: Callable[[str], Any], item_id: str, what: str) -> str:
        """The id of the item's question, after checking the item belongs to this stage."""
        try:
            item = find(item_id)
        except KeyError as err:
            raise ValueError(err.args[0]) from None
        question_id = getattr(item, "question", None) or item.id
        if self._bank.question(question_id).stage != self.stage_id:
            raise ValueError(f"{what} {item_id!r} is not part of stage {self.stage_id!r}")
        return question_id

    def _save_if(self, changed: bool) -> None:
        if changed:
            self._save()

    def _save(self) -> None:
        self._state.updated_at = self._clock()
        text = json.dumps(self._state.to_dict(), indent=2, ensure_ascii=False) + "\n"
        _write_atomic(self.path, text)
        for listener in list(self._listeners):
            listener(self)


def _set_member(items: set[str], item: str, present: bool) -> bool:
    """Add or remove `item`; True if that changed `items`."""
    if present == (item in items):
        return False
    (items.add if present else items.discard)(item)
    return True


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- the store --------------------------------------------------------------------------


class ScorecardStore:
    """Every scorecard of a course, under `course.scorecards`."""

    def __init__(self, course: Course, bank: Bank | None = None, clock: Clock = time.time) -> None:
        self.course = course
        self.bank = bank if bank is not None else load_bank()
        self._clock = clock

    @property
    def folder(self) -> Path:
        return self.course.scorecards

    def path(self, candidate: str, stage: str, interviewer: str) -> Path:
        """`scorecards/<candidate>/<stage>-<interviewer>.json` (ids validated)."""
        validate_id(candidate, "candidate id")
        validate_id(interviewer, "interviewer id")
        self._stage(stage)
        return self.folder / candidate / f"{stage}-{interviewer}.json"

    def open(
        self, candidate: str, stage: str, interviewer: str, profile: str | None = None
    ) -> Scorecard:
        """The saved card, or a new one (saved at once, which needs `profile`).

        Giving a `profile` different from the saved one changes it. An unreadable file is
        renamed to `<name>.corrupt-<timestamp>` with a `CorruptScorecardWarning`, and a new
        card starts; `card.recovered_from` then names the set-aside file.
        """
        path = self.path(candidate, stage, interviewer)
        if profile is not None:
            self._profile(profile)
        recovered_from = None
        if path.exists():
            try:
                state = self._read(path, candidate, stage, interviewer)
            except _FormatError as err:
                recovered_from = self._set_aside(path, err)
            else:
                card = self._card(state, path)
                if profile is not None:
                    card.set_profile(profile)
                return card
        if profile is None:
            raise ValueError(f"a new scorecard ({path.name} for {candidate}) needs a role profile")
        card = self._card(_State(candidate, stage, interviewer, profile), path, recovered_from)
        card._save()
        return card

    def candidates(self) -> list[str]:
        """Ids of the candidates with a scorecard folder, sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(
            p.name for p in self.folder.iterdir() if p.is_dir() and _SAFE_ID.match(p.name)
        )

    def scorecards(self, candidate: str) -> list[Scorecard]:
        """Every readable card of a candidate, in panel order then by interviewer.

        Unreadable files are skipped with a `CorruptScorecardWarning` (left untouched).
        """
        validate_id(candidate, "candidate id")
        folder = self.folder / candidate
        cards = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            stage, _, interviewer = path.stem.partition("-")
            try:
                state = self._read(path, candidate, stage, interviewer)
                self._stage(state.stage)
            except (_FormatError, ValueError) as err:
                message = f"skipping unreadable scorecard {path}: {err}"
                warnings.warn(message, CorruptScorecardWarning, stacklevel=2)
                continue
            cards.append(self._card(state, path))
        order = {s.id: i for i, s in enumerate(self.bank.stages)}
        return sorted(cards, key=lambda c: (order[c.stage_id], c.interviewer))

    def recommendation(self, candidate: str) -> Recommendation:
        """The overall recommendation from all the candidate's cards (see `recommend`)."""
        from .recommendation import recommend

        return recommend(candidate, self.scorecards(candidate), self.bank)

    def _card(self, state: _State, path: Path, recovered_from: Path | None = None) -> Scorecard:
        return Scorecard(
            state, bank=self.bank, path=path, clock=self._clock, recovered_from=recovered_from
        )

    def _stage(self, stage: str) -> None:
        try:
            self.bank.stage(stage)
        except KeyError:
            known = [s.id for s in self.bank.stages]
            raise ValueError(f"unknown stage {stage!r}: one of {known}") from None

    def _profile(self, profile: str) -> None:
        try:
            self.bank.profile(profile)
        except KeyError:
            known = [p.id for p in self.bank.profiles]
            raise ValueError(f"unknown role profile {profile!r}: one of {known}") from None

    @staticmethod
    def _read(path: Path, candidate: str, stage: str, interviewer: str) -> _State:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise _FormatError(f"not valid JSON ({err})") from None
        state = _State.from_dict(data)
        if (state.candidate, state.stage, state.interviewer) != (candidate, stage, interviewer):
            raise _FormatError(
                f"it holds {state.candidate}/{state.stage}/{state.interviewer}, "
                f"not {candidate}/{stage}/{interviewer}"
            )
        return state

    def _set_aside(self, path: Path, err: Exception) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(self._clock()))
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        suffix = 1
        while target.exists():
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{suffix}")
            suffix += 1
        os.replace(path, target)
        warnings.warn(
            f"scorecard {path} could not be read ({err}); kept it as {target.name} and started "
            "a new card",
            CorruptScorecardWarning,
            stacklevel=3,
        )
        return target
