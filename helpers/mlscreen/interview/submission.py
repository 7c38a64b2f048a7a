"""What a submitted scorecard holds: its content, the content's hash, and the log of submissions.

A card's *content* is the judgement it records: the role profile, the questions asked, the
points and red flags ticked, the follow-ups, the rubric levels and the notes (not the timer).
Submitting appends an entry to the card's log with the time, a SHA-256 of the content and
the content itself; every later change is an amendment, appended the same way with its
reason. The log is append-only, so every earlier version stays readable and comparable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

SUBMITTED = "submitted"
AMENDED = "amended"


def content_of(state: Any) -> dict[str, Any]:
    """The judgement a `CardState` records, JSON-ready and in a stable order."""
    return {
        "candidate": state.candidate,
        "stage": state.stage,
        "interviewer": state.interviewer,
        "profile": state.profile,
        "asked": sorted(state.asked),
        "ticked": sorted(state.ticked),
        "followups": sorted(state.followups),
        "levels": dict(sorted(state.levels.items())),
        "notes": state.notes,
        "question_notes": dict(sorted(state.question_notes.items())),
    }


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the content as canonical JSON: the same judgement, the same hash."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Submission:
    """One entry of a card's submission log: the first submission or an amendment."""

    kind: str
    at: float
    reason: str
    hash: str
    content: dict[str, Any]

    @property
    def is_amendment(self) -> bool:
        return self.kind == AMENDED

    @property
    def intact(self) -> bool:
        """True if the recorded hash is the hash of the recorded content."""
        return content_hash(self.content) == self.hash

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": self.at,
            "reason": self.reason,
            "hash": self.hash,
            "content": self.content,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Submission:
        """The entry parsed JSON holds; ValueError if it has the wrong shape."""
        if not isinstance(data, dict) or set(data) != {"kind", "at", "reason", "hash", "content"}:
            raise ValueError(f"a submission entry needs kind, at, reason, hash, content: {data!r}")
        kind, at, reason, digest, content = (
            data["kind"], data["at"], data["reason"], data["hash"], data["content"]
        )
        if kind not in (SUBMITTED, AMENDED):
            raise ValueError(f"submission kind must be {SUBMITTED!r} or {AMENDED!r}, got {kind!r}")
        if isinstance(at, bool) or not isinstance(at, (int, float)):
            raise ValueError(f"submission time must be a number, got {at!r}")
        if not isinstance(reason, str) or not isinstance(digest, str):
            raise ValueError("submission reason and hash must be text")
        if not isinstance(content, dict):
            raise ValueError("submission content must be a mapping")
        return cls(kind, float(at), reason, digest, content)


def check_log(log: list[Submission]) -> None:
    """ValueError unless the log starts with one submission and continues with amendments only.

    Amendments need a reason, and times never go backwards.
    """
    for i, entry in enumerate(log):
        if (entry.kind == SUBMITTED) != (i == 0):
            raise ValueError("the submission log must start with one submission, then amendments")
        if entry.is_amendment and not entry.reason.strip():
            raise ValueError("an amendment without a reason")
        if i and entry.at < log[i - 1].at:
            raise ValueError("the submission log goes back in time")


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What an amendment changed, in words (category and question ids as stored)."""
    said = []
    if before.get("profile") != after.get("profile"):
        said.append(f"role profile {before.get('profile')} -> {after.get('profile')}")
    old_levels, new_levels = before.get("levels", {}), after.get("levels", {})
    for category in sorted(set(old_levels) | set(new_levels)):
        old, new = old_levels.get(category, "-"), new_levels.get(category, "-")
        if old != new:
            said.append(f"{category} {old} -> {new}")
    for key, what in (("ticked", "ticked"), ("asked", "asked"), ("followups", "follow-ups")):
        added = sorted(set(after.get(key, [])) - set(before.get(key, [])))
        removed = sorted(set(before.get(key, [])) - set(after.get(key, [])))
        if added:
            said.append(f"{what} + {', '.join(added)}")
        if removed:
            said.append(f"{what} - {', '.join(removed)}")
    if before.get("notes") != after.get("notes"):
        said.append("notes edited")
    if before.get("question_notes") != after.get("question_notes"):
        said.append("question notes edited")
    return said
