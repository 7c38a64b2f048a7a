"""How candidates are named: by id, or by the name in the roster unless the course is anonymous.

The roster is `candidates.yaml` in the scorecards folder, one `<candidate id>: <name>` a line.
With `anonymous: true` in the bank's `interview.yaml`, `label` is the id alone and `name` is
None everywhere, and `redact` takes roster names out of free text (notes) for exports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..common.ids import is_valid_id

ROSTER_FILE = "candidates.yaml"
_REDACTED = "[candidate]"


def read_roster(path: Path) -> dict[str, str]:
    """The names in a roster file ({} if there is none); ValueError if it is malformed."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({err})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of candidate id: name")
    roster = {}
    for key, name in data.items():
        if not is_valid_id(key) or not isinstance(name, str) or not name.strip():
            raise ValueError(f"{path}: {key!r}: {name!r} is not a candidate id and a name")
        roster[key] = " ".join(name.split())
    return roster


@dataclass(frozen=True)
class CandidateNames:
    """What a view or an export calls a candidate."""

    roster: Mapping[str, str] = field(default_factory=dict)
    anonymous: bool = False

    def name(self, candidate: str) -> str | None:
        """The candidate's name, or None (anonymous mode, or not in the roster)."""
        return None if self.anonymous else self.roster.get(candidate)

    def label(self, candidate: str) -> str:
        """`Name (id)`, or the id alone in anonymous mode or without a roster name."""
        name = self.name(candidate)
        return f"{name} ({candidate})" if name else candidate

    def redact(self, text: str, candidate: str) -> str:
        """In anonymous mode, the text with the candidate's roster name (and each part) replaced."""
        name = self.roster.get(candidate)
        if not self.anonymous or not name or not text:
            return text
        parts = sorted({name, *name.split()}, key=len, reverse=True)
        pattern = r"\b(?:" + "|".join(re.escape(p) for p in parts if len(p) > 1) + r")\b"
        return re.sub(pattern, _REDACTED, text, flags=re.IGNORECASE)
