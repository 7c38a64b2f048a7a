"""A scorecard as saved on disk: its JSON shape, written and read back with every field checked.

A file that does not have this shape raises `CardFormatError`; the store decides what to do
with it (set it aside, or skip it). Schema 2 adds the submission log and the open amendment;
a schema 1 file reads as a card never submitted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..bank import LEVELS
from .submission import Submission, check_log

SCHEMA = 2
_READABLE = (1, 2)


class CardFormatError(ValueError):
    """A scorecard file's content does not have the expected shape."""


@dataclass
class CardState:
    """Everything a scorecard file holds; the `Scorecard` model changes it and saves it."""

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
    submissions: list[Submission] = field(default_factory=list)
    amending: str | None = None
    """The reason of the amendment under way, if one is (the card is unlocked until submitted)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready content, sets and mappings sorted so that files diff cleanly."""
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
            "submissions": [entry.to_dict() for entry in self.submissions],
            "amending": self.amending,
        }

    def to_json(self) -> str:
        """The text of the file."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> CardState:
        """The state a file's text holds; `CardFormatError` if it is not a valid scorecard."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise CardFormatError(f"not valid JSON ({err})") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> CardState:
        """The state parsed JSON holds; `CardFormatError` if any field has the wrong shape."""
        if not isinstance(data, dict) or data.get("schema") not in _READABLE:
            raise CardFormatError(f"not a scorecard of schema {' or '.join(map(str, _READABLE))}")
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
            if data["schema"] >= 2:
                state.submissions = _log(data["submissions"])
                state.amending = _optional_str(data["amending"])
        except KeyError as err:
            raise CardFormatError(f"missing field {err}") from None
        if state.elapsed_seconds < 0:
            raise CardFormatError("negative elapsed_seconds")
        if state.amending is not None and not state.submissions:
            raise CardFormatError("an amendment under way on a card never submitted")
        return state


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise CardFormatError(f"expected text, got {value!r}")
    return value


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise CardFormatError(f"expected a list, got {value!r}")
    return [_str(v) for v in value]


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise CardFormatError(f"expected a mapping, got {value!r}")
    return {_str(k): _str(v) for k, v in value.items()}


def _levels(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise CardFormatError(f"expected a mapping of levels, got {value!r}")
    for level in value.values():
        if isinstance(level, bool) or level not in LEVELS:
            raise CardFormatError(f"rubric level {level!r} is not one of {LEVELS}")
    return {_str(k): int(v) for k, v in value.items()}


def _log(value: Any) -> list[Submission]:
    if not isinstance(value, list):
        raise CardFormatError(f"expected a list of submissions, got {value!r}")
    try:
        log = [Submission.from_dict(entry) for entry in value]
        check_log(log)
    except ValueError as err:
        raise CardFormatError(str(err)) from None
    return log


def _optional_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CardFormatError(f"expected a number, got {value!r}")
    return float(value)


def _optional_number(value: Any) -> float | None:
    return None if value is None else _number(value)
